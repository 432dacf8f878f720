import Foundation
import XCTest

/// Every way logs are rotated, with GNU `tail -F` as the oracle: `sluice tail -F` and
/// `tail -F` follow the same name side by side while a writer appends numbered lines through
/// a descriptor of its own (as a logging process does) and the file is rotated. Sluice must
/// print every line exactly once, in order; `tail -F` must print nothing that was not written
/// and nothing twice, and where the scheme leaves it no race (the writer lets both catch up
/// before the rotation), it must print every line too, so that the test's own expectation is
/// checked against the real tool.
///
/// Where `tail -F` loses lines by design, the test says so and requires only Sluice to be
/// whole:
/// - lines a daemon writes to the renamed file before it reopens its log (logrotate's
///   `create`, `dateext`, a repointed symlink whose old target is still written): GNU tail
///   leaves the old file when it sees the rename; Sluice keeps reading it for 5 s after its
///   last growth, before the new file's lines;
/// - a file deleted with lines in it not yet read, then re-created: GNU tail may drop the
///   unread end; Sluice reads the deleted file to its end through its open descriptor.
///
/// `copytruncate` is a race for every follower: lines written between the copy and the
/// truncation are in neither file once it is truncated. Sluice guarantees that the lines it
/// read before the truncation are printed once, and every line after it; a line of that window
/// is printed only if it was read before the truncation (as with `tail -F`).
///
/// Truncation to a smaller size that keeps the start of the file (`truncate -s N`) is reread
/// from the start by both tools (the kept lines print twice, by design, as `tail -F` does):
/// there Sluice's output must equal GNU tail's exactly.
///
/// No fixed sleep decides anything: every wait polls with a deadline, and both followers are
/// killed after a time limit whatever happens.
final class RotationSchemeTests: XCTestCase {
    /// How long any one wait may take.
    static let patience: Double = 20

    /// The two followers of one path.
    final class Followers {
        let sluice: RunningProgram
        let tail: RunningProgram
        init(_ path: String, tailArguments: [String] = []) throws {
            sluice = try RunningProgram(sluiceBinary, ["tail", "-F", "-n", "+1", path], timeout: 120)
            // -s: how often GNU tail polls when it does not use inotify (symlinks); otherwise unused.
            tail = try RunningProgram("/usr/bin/tail", ["-F", "-n", "+1", "-s", "0.05"] + tailArguments + [path], timeout: 120)
        }
        var both: [RunningProgram] { [sluice, tail] }
        func stop() { sluice.stop(); tail.stop() }
    }

    /// The numbers of the lines `program` printed ("line NNNNNNN"); anything else is reported.
    static func numbers(_ program: RunningProgram) -> (numbers: [Int], junk: [String]) {
        var numbers: [Int] = [], junk: [String] = []
        for line in String(decoding: program.output, as: UTF8.self).split(separator: "\n") {
            if line.hasPrefix("line "), line.count == 12, let n = Int(line.dropFirst(5)) { numbers.append(n) } else { junk.append(String(line)) }
        }
        return (numbers, junk)
    }

    /// Waits until `program` printed line `n` (or the deadline passes).
    @discardableResult
    static func wait(_ program: RunningProgram, for n: Int, seconds: Double = patience) -> Bool {
        let target = Data(String(format: "line %07d\n", n).utf8)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if program.output.range(of: target) != nil { return true }
            usleep(5_000)
        }
        return false
    }

    /// Waits until both printed the writer's last line so far.
    static func catchUp(_ followers: Followers, _ writer: FollowTests.Writer, file: StaticString = #filePath, line: UInt = #line) {
        for program in followers.both {
            XCTAssertTrue(wait(program, for: writer.next - 1), "\(program === followers.sluice ? "sluice" : "tail") caught up to line \(writer.next - 1)", file: file, line: line)
        }
    }

    /// Waits until `program` wrote `text` to standard error `count` times.
    static func waitForNotice(_ program: RunningProgram, _ text: String, count: Int = 1, seconds: Double = patience) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if program.errors.components(separatedBy: text).count - 1 >= count { return true }
            usleep(5_000)
        }
        return false
    }

    /// Starts both followers on `path` (the writer has written 300 lines), runs `rotate`, then
    /// writes 1,000 more lines and checks both outputs. `tailMayLose` names why GNU tail may
    /// lose lines in this scheme (nil: it must not). `window` gives, once `rotate` has run, the
    /// lines a follower may not be able to read (copytruncate's). When the writer writes to
    /// another path than the followed one, the followed name is made a symlink to it.
    func scheme(_ name: String, path: String? = nil, writerPath: String? = nil, tailMayLose: String?,
                tailArguments: [String] = [], window: () -> ClosedRange<Int>? = { nil },
                rotate: (_ writer: FollowTests.Writer, _ followers: Followers, _ dir: URL) throws -> Void) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let followed = path.map { dir.appendingPathComponent($0).path } ?? dir.appendingPathComponent("app.log").path
        if let writerPath {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(writerPath).deletingLastPathComponent(),
                                                    withIntermediateDirectories: true)
            XCTAssertEqual(symlink(writerPath, followed), 0)
        }
        let writer = FollowTests.Writer(path: writerPath.map { dir.appendingPathComponent($0).path } ?? followed)
        defer { if writer.fd >= 0 { close(writer.fd) } }
        writer.write(300)
        let followers = try Followers(followed, tailArguments: tailArguments)
        defer { followers.stop() }
        Self.catchUp(followers, writer)
        writer.write(700)
        try rotate(writer, followers, dir)
        writer.write(1000)
        let last = writer.next - 1
        let sluiceDone = Self.wait(followers.sluice, for: last)
        let tailDone = Self.wait(followers.tail, for: last, seconds: tailMayLose == nil ? Self.patience : 5)
        // A settle, only so that a wrong extra line (a duplicate) has time to show: it can
        // make the test fail, never pass.
        usleep(300_000)
        followers.stop()

        let (sl, slJunk) = Self.numbers(followers.sluice)
        let (gt, gtJunk) = Self.numbers(followers.tail)
        let written = Array(1...last)
        let mayBeMissing: Set<Int> = window().map { Set($0) } ?? []
        XCTAssertTrue(sluiceDone, "\(name): sluice printed the last line")
        XCTAssertTrue(slJunk.isEmpty, "\(name): sluice printed other lines: \(slJunk.prefix(3))")
        XCTAssertTrue(gtJunk.isEmpty, "\(name): tail printed other lines: \(gtJunk.prefix(3))")
        XCTAssertEqual(Set(gt).subtracting(written).count, 0, "\(name): tail printed lines never written")

        let report = Self.compare(sl, written, mayBeMissing: mayBeMissing)
        XCTAssertNil(report, "\(name): sluice \(report ?? "")")
        let tailReport = Self.compare(gt, written, mayBeMissing: mayBeMissing)
        if let why = tailMayLose {
            // GNU tail's losses are by design here; it must still not repeat or reorder.
            let repeatedOrReordered = zip(gt, gt.dropFirst()).contains { $0 >= $1 }
            XCTAssertFalse(repeatedOrReordered, "\(name): tail \(tailReport ?? "")")
            // Sluice saw every line tail saw, but those of the race window, which either
            // follower may read or miss by the scheduler's chance (seen in CI under load).
            XCTAssertTrue(Set(gt).subtracting(mayBeMissing).isSubset(of: Set(sl)), "\(name): tail saw lines sluice did not")
            print("\(name): GNU tail -F: \(tailReport ?? "every line once") (\(why)); sluice: every line once")
        } else {
            XCTAssertTrue(tailDone, "\(name): tail printed the last line")
            XCTAssertNil(tailReport, "\(name): tail (the oracle disagrees with the writer: the scheme has a race) \(tailReport ?? "")")
        }
    }

    /// nil when `printed` is `written` (less any of `mayBeMissing`) once each and in order;
    /// else what is wrong.
    static func compare(_ printed: [Int], _ written: [Int], mayBeMissing: Set<Int>) -> String? {
        let seen = Set(printed)
        let missing = written.filter { !seen.contains($0) && !mayBeMissing.contains($0) }
        let repeated = printed.count - seen.count
        let outOfOrder = zip(printed, printed.dropFirst()).filter { $0 >= $1 }.count
        if missing.isEmpty && repeated == 0 && outOfOrder == 0 { return nil }
        return "\(missing.count) lines lost (first \(missing.prefix(5))), \(repeated) repeated, \(outOfOrder) out of order, of \(written.count)"
    }

    // MARK: The schemes

    /// logrotate `create`: rename, create the new file empty, the daemon writes a few more
    /// lines to the old file until it is told to reopen (postrotate's SIGHUP), then reopens.
    func testRenameAndCreate() throws {
        try scheme("create", tailMayLose: "it leaves the renamed file when it sees the rename") { writer, _, _ in
            XCTAssertEqual(rename(writer.path, writer.path + ".1"), 0)
            close(open(writer.path, O_WRONLY | O_CREAT | O_EXCL, 0o640))
            writer.write(40, burst: 10)
            writer.reopen()
        }
    }

    /// logrotate `copytruncate`: the file is copied, then truncated in place; the daemon keeps
    /// its descriptor (O_APPEND) and goes on writing at the new end. Lines written between the
    /// copy and the truncation are lost to every follower that has not read them yet.
    func testCopyTruncate() throws {
        var window: ClosedRange<Int>?
        try scheme("copytruncate", tailMayLose: "lines written between the copy and the truncation",
                   window: { window }) { writer, followers, _ in
            Self.catchUp(followers, writer)  // lines not read by the truncation are lost to everyone
            let copied = try FileManager.default.contentsOfFile(writer.path)
            try copied.write(to: URL(fileURLWithPath: writer.path + ".1"))
            let first = writer.next
            writer.write(20, burst: 5)  // between the copy and the truncation
            window = first...(writer.next - 1)
            XCTAssertEqual(ftruncate(writer.fd, 0), 0)
        }
    }

    /// logrotate `copytruncate` with the followers caught up before the truncation: no race,
    /// so GNU tail must see every line too.
    func testCopyTruncateCaughtUp() throws {
        try scheme("copytruncate, caught up", tailMayLose: nil) { writer, followers, _ in
            Self.catchUp(followers, writer)
            let copied = try FileManager.default.contentsOfFile(writer.path)
            try copied.write(to: URL(fileURLWithPath: writer.path + ".1"))
            XCTAssertEqual(ftruncate(writer.fd, 0), 0)
            for program in followers.both { XCTAssertTrue(Self.waitForNotice(program, "file truncated")) }
        }
    }

    /// logrotate `compress` + `delaycompress`: each rotation renames app.log to app.log.1
    /// and compresses the previous app.log.1 to app.log.2.gz (removing it), twice.
    func testDelayCompress() throws {
        try scheme("delaycompress", tailMayLose: nil) { writer, followers, dir in
            for round in 1...2 {
                Self.catchUp(followers, writer)
                let one = writer.path + ".1"
                if FileManager.default.fileExists(atPath: one) {
                    let r = try runProgram("/bin/sh", ["-c", "gzip -c app.log.1 > app.log.2.gz && rm app.log.1"], directory: dir, timeout: 30)
                    XCTAssertEqual(r.status, 0, r.stderr)
                }
                XCTAssertEqual(rename(writer.path, one), 0)
                writer.reopen()
                writer.write(round == 1 ? 500 : 300)
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("app.log.2.gz").path))
        }
    }

    /// logrotate `dateext`: the old file gets a date suffix; the daemon writes to it a little
    /// longer, then reopens, creating the new file itself.
    func testDateExt() throws {
        try scheme("dateext", tailMayLose: "it leaves the renamed file when it sees the rename") { writer, _, _ in
            XCTAssertEqual(rename(writer.path, writer.path + "-20261201"), 0)
            writer.write(40, burst: 10)
            writer.reopen()
        }
    }

    /// The followed name is a symlink to the current file, in another folder, repointed
    /// atomically (a new link renamed over it) to a new file; the old target gets a few more
    /// lines first. GNU tail polls symlinks (here every 0.05 s) and leaves the old target.
    func testRepointedSymlink() throws {
        try scheme("symlink", path: "current.log", writerPath: "data/app-1.log",
                   tailMayLose: "it leaves the old target when the link is repointed") { writer, _, dir in
            let next = dir.appendingPathComponent("data/app-2.log").path
            close(open(next, O_WRONLY | O_CREAT | O_EXCL, 0o640))
            let link = dir.appendingPathComponent("current.log").path
            XCTAssertEqual(symlink("data/app-2.log", link + ".new"), 0)
            XCTAssertEqual(rename(link + ".new", link), 0)
            writer.write(40, burst: 10)
            writer.retarget(next)
        }
    }

    /// The followed name is a fixed symlink into another folder (`/var/log/containers/*.log`
    /// to `/var/log/pods/.../0.log`), and the file behind it is rotated (the kubelet renames
    /// it, the runtime writes a few late lines to it, then creates a new one). Sluice sees the
    /// link dangle, then the new target within 3 s (it watches the target's folder; without
    /// that watch it would wait for the old file's 5 s of grace, or for ever once that ended).
    /// GNU tail polls when a name is a symlink and leaves the renamed target.
    func testRotatedBehindSymlink() throws {
        try scheme("rotated behind a symlink", path: "current.log", writerPath: "pods/0.log",
                   tailMayLose: "it leaves the renamed target when the link dangles") { writer, followers, _ in
            XCTAssertEqual(rename(writer.path, writer.path + ".20261202"), 0)
            writer.write(20, burst: 10)  // late lines, to the renamed file
            XCTAssertTrue(Self.waitForNotice(followers.sluice, "has become inaccessible"), "sluice saw the link dangle")
            // The new file is created while the old one stays open, as when the runtime (another
            // process) creates it: closing the old descriptor would itself wake a follower that
            // watches only the old file, and hide a missing watch on the target's folder.
            let old = writer.fd
            writer.fd = open(writer.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
            defer { close(old) }
            writer.write(5, burst: 5)
            XCTAssertTrue(Self.wait(followers.sluice, for: writer.next - 1, seconds: 3), "sluice followed the new target within 3 s")
        }
    }

    /// The file is deleted with lines in it that the followers may not have read yet, then
    /// created again by the writer.
    func testDeletedThenRecreated() throws {
        try scheme("delete and re-create", tailMayLose: "the unread end of the deleted file") { writer, _, _ in
            writer.write(200, burst: 200)
            XCTAssertEqual(unlink(writer.path), 0)
            writer.reopen()
        }
    }

    /// Truncated and rewritten shorter than before: the followers must start again at 0.
    func testTruncatedAndRewrittenShorter() throws {
        try scheme("truncate and rewrite shorter", tailMayLose: nil) { writer, followers, _ in
            Self.catchUp(followers, writer)
            XCTAssertEqual(ftruncate(writer.fd, 0), 0)
            writer.write(10, burst: 10)
            for program in followers.both { XCTAssertTrue(Self.waitForNotice(program, "file truncated")) }
        }
    }

    /// Truncated to a smaller size that keeps the file's first lines (`truncate -s N` at a
    /// line boundary), then appended to: both tools read again from the start, so the kept
    /// lines are printed twice. Sluice's output must be GNU tail's, byte for byte.
    func testTruncatedToSmallerSizeMatchesTail() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("app.log").path
        let writer = FollowTests.Writer(path: path)
        defer { close(writer.fd) }
        writer.write(1000)
        let followers = try Followers(path)
        defer { followers.stop() }
        Self.catchUp(followers, writer)
        for keep in [600, 100] {
            // Each line is 13 bytes.
            XCTAssertEqual(truncate(path, off_t(keep * 13)), 0)
            for program in followers.both {
                XCTAssertTrue(Self.waitForNotice(program, "file truncated", count: keep == 600 ? 1 : 2))
            }
            writer.write(500)
            Self.catchUp(followers, writer)
        }
        followers.stop()
        XCTAssertEqual(Self.numbers(followers.sluice).numbers.count, 1000 + 600 + 500 + 100 + 500)
        XCTAssertEqual(String(decoding: followers.sluice.output, as: UTF8.self), String(decoding: followers.tail.output, as: UTF8.self))
    }
}
