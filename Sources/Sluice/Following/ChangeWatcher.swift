import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// What ``ChangeWatcher`` tells a followed file.
protocol ChangeListener: AnyObject {
    /// Something about the file may have changed: look again.
    func changed()
    /// The kernel dropped watch `wd` (its file or folder is gone): poll until a new one is set.
    func watchLost(_ wd: Int32)
}

/// Who reads a replaced file for late writes.
protocol DrainOwner: AnyObject {
    /// Read the replaced file `key` to its end now and close it.
    func endDrain(_ key: Int)
}

/// The one inotify instance of the library, shared by every followed file: each file is
/// watched, and so is its folder (for names that appear, vanish or move), a folder once however
/// many followed files it holds. Events wake the listeners they concern once per batch of
/// events, on the event loop. When the kernel has no watch left (`ENOSPC`), `watch` fails and
/// the caller polls that file instead. The descriptor is opened with the first watch and closed
/// with the last.
///
/// `@unchecked Sendable`: every property is touched only on ``EventLoop/queue`` (all methods
/// are called there, and the read source's handler runs there).
final class ChangeWatcher: @unchecked Sendable {
    static let shared = ChangeWatcher()

    private struct Watch {
        var isFolder: Bool
        /// Each listener, how many times it holds this watch, and (for a folder) the names it follows.
        var users: [ObjectIdentifier: (listener: ChangeListener, count: Int, names: [String])]
    }

    private var fd: Int32 = -1
    /// The inotify descriptor's registration with the event loop.
    private var registration: UInt64?
    private var watches: [Int32: Watch] = [:]
    private var buffer = [UInt8](repeating: 0, count: 64 << 10)
    /// `SLUICE_MAX_INOTIFY_WATCHES=N`: behave as if the kernel had only N watches (for tests of
    /// the fallback to polling).
    private let watchLimit: Int? = getenv("SLUICE_MAX_INOTIFY_WATCHES").flatMap { Int(String(cString: $0)) }
    /// Replaced files still open for late writes, over all followed files (a descriptor
    /// each), oldest first: the key of each and who reads it.
    private var drains: [(key: Int, owner: DrainOwner)] = []
    private var lastDrainKey = 0
    /// At most this many replaced files are kept open for late writes at once; a new one
    /// makes the oldest be read to its end and closed: descriptors stay one per followed file
    /// plus a constant.
    static let drainingLimit = 4

    /// Registers a replaced file kept open by `owner`; returns its key. The oldest one is
    /// told to end when there are too many.
    func addDrain(_ owner: DrainOwner) -> Int {
        lastDrainKey += 1
        drains.append((lastDrainKey, owner))
        if drains.count > Self.drainingLimit {
            let oldest = drains.removeFirst()
            oldest.owner.endDrain(oldest.key)
        }
        return lastDrainKey
    }

    /// The replaced file `key` is closed.
    func removeDrain(_ key: Int) { drains.removeAll { $0.key == key } }

    static let fileMask = UInt32(IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF | IN_CLOSE_WRITE)
    static let folderMask = UInt32(IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB)

    /// Watches the folder `folder` for changes to the entry `name`; the watch descriptor, or
    /// `nil` when it cannot be watched (then poll).
    func watchFolder(_ folder: String, name: String, for listener: ChangeListener) -> Int32? {
        add(folder, mask: Self.folderMask, isFolder: true, name: name, for: listener)
    }

    /// Watches the file now at `path` (its inode, wherever it moves); `nil` when it cannot be.
    func watchFile(_ path: String, for listener: ChangeListener) -> Int32? {
        add(path, mask: Self.fileMask, isFolder: false, name: nil, for: listener)
    }

    private func add(_ path: String, mask: UInt32, isFolder: Bool, name: String?, for listener: ChangeListener) -> Int32? {
        guard openIfNeeded() else { return nil }
        var wd = RawBytes.withCString(path) { inotify_add_watch(fd, $0, mask) }
        if let watchLimit, wd >= 0, watches[wd] == nil, watches.count >= watchLimit {
            inotify_rm_watch(fd, wd)
            wd = -1  // as ENOSPC
        }
        guard wd >= 0 else {
            closeIfUnused()
            return nil
        }
        let key = ObjectIdentifier(listener)
        var watch = watches[wd] ?? Watch(isFolder: isFolder, users: [:])
        var user = watch.users[key] ?? (listener, 0, [])
        user.count += 1
        if let name { user.names.append(name) }
        watch.users[key] = user
        watches[wd] = watch
        return wd
    }

    /// Lets go of a watch taken by `watchFolder` or `watchFile`; the last user removes it.
    func release(_ wd: Int32, for listener: ChangeListener) {
        let key = ObjectIdentifier(listener)
        guard var watch = watches[wd], var user = watch.users[key] else { return }
        user.count -= 1
        if !user.names.isEmpty { user.names.removeLast() }
        watch.users[key] = user.count > 0 ? user : nil
        if watch.users.isEmpty {
            watches[wd] = nil
            inotify_rm_watch(fd, wd)
            closeIfUnused()
        } else {
            watches[wd] = watch
        }
    }

    private func openIfNeeded() -> Bool {
        if fd >= 0 { return true }
        fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { return false }
        registration = Readiness.shared.add(fd) { [unowned self] in self.readEvents() }
        guard registration != nil else {
            close(fd)
            fd = -1
            return false
        }
        return true
    }

    private func closeIfUnused() {
        guard watches.isEmpty, fd >= 0, let registration else { return }
        Readiness.shared.remove(registration, fd: fd)
        close(fd)
        self.registration = nil
        fd = -1
    }

    /// Reads the queued events and wakes each listener concerned once.
    private func readEvents() {
        var woken: [ObjectIdentifier: ChangeListener] = [:]
        var lost: [(ChangeListener, Int32)] = []
        let headerSize = MemoryLayout<inotify_event>.size
        while fd >= 0 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            buffer.withUnsafeBytes { raw in
                var at = 0
                while at + headerSize <= n {
                    let wd = raw.loadUnaligned(fromByteOffset: at, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: at + 4, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self))
                    var name = ""
                    if length > 0 {
                        let bytes = raw[(at + headerSize)..<(at + headerSize + length)]
                        name = RawBytes.string(bytes.prefix { $0 != 0 })  // as the followed paths keep their bytes
                    }
                    at += headerSize + length
                    if mask & UInt32(IN_Q_OVERFLOW) != 0 {
                        // Events were lost: everyone looks again.
                        for watch in watches.values { for (key, user) in watch.users { woken[key] = user.listener } }
                        continue
                    }
                    guard let watch = watches[wd] else { continue }
                    for (key, user) in watch.users where !watch.isFolder || name.isEmpty || user.names.contains(name) {
                        woken[key] = user.listener
                    }
                    if mask & UInt32(IN_IGNORED) != 0 {
                        watches[wd] = nil
                        for user in watch.users.values { lost.append((user.listener, wd)) }
                    }
                }
            }
        }
        for (listener, wd) in lost { listener.watchLost(wd) }
        for listener in woken.values { listener.changed() }
        closeIfUnused()
        if fd >= 0, let registration { Readiness.shared.arm(registration, fd: fd) }
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let folder = String(path[..<slash])
        return folder.isEmpty ? "/" : folder
    }

    static func baseName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
