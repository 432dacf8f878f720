#if canImport(Glibc)
import Glibc
#endif

/// Waits until a followed file may have changed: inotify on the file and its folder, or a
/// plain timeout when inotify is unavailable (or `SLUICE_NO_INOTIFY` is set), and wakes early
/// when `wakeupFD` becomes readable.
final class ChangeWatcher {
    private var inotifyFD: Int32 = -1
    private var fileWatch: Int32 = -1
    private let wakeupFD: Int32

    init(path: String, wakeupFD: Int32) {
        self.wakeupFD = wakeupFD
        guard getenv("SLUICE_NO_INOTIFY") == nil else { return }
        inotifyFD = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotifyFD >= 0 else { return }
        let folder = Self.folder(of: path)
        let folderMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE)
        if inotify_add_watch(inotifyFD, folder, folderMask) < 0 {
            close(inotifyFD)  // out of watches, or the folder is missing: poll instead
            inotifyFD = -1
        }
    }

    deinit { if inotifyFD >= 0 { close(inotifyFD) } }

    /// Whether changes are notified (else only the timeout wakes `wait`).
    var isNotifying: Bool { inotifyFD >= 0 }

    /// Watches the file now at `path` too (after it was opened or replaced), so that writes to
    /// it are seen even after it is moved to another folder.
    func watchFile(_ path: String) {
        guard inotifyFD >= 0 else { return }
        let mask = UInt32(IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF | IN_CLOSE_WRITE)
        fileWatch = inotify_add_watch(inotifyFD, path, mask)
    }

    /// Waits for a change, the timeout, or the wake-up; returns false when woken up or when
    /// ``InputStop`` was requested (stop).
    func wait(timeoutMilliseconds: Int32) -> Bool {
        var fds = [pollfd(fd: wakeupFD, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: InputStop.descriptor, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)]
        let count: nfds_t = inotifyFD >= 0 ? 3 : 2
        let ready = poll(&fds, count, timeoutMilliseconds)
        if ready > 0 && (fds[0].revents != 0 || fds[1].revents != 0) { return false }
        if inotifyFD >= 0 && fds[2].revents != 0 {
            var drain = [UInt8](repeating: 0, count: 4096)
            while read(inotifyFD, &drain, drain.count) > 0 {}
        }
        return true
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }
}
