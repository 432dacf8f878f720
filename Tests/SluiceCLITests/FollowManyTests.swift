import Foundation
import XCTest

/// `sluice tail -F` on 1,000 files under `ulimit -n 1100`, as on a host with many services'
/// logs: every line exactly once, in each file's order, under GNU tail's headers, while files
/// are appended to at random, rotated (rename and create, with late writes to the old file)
/// and truncated and rewritten longer; with few threads and one descriptor per file; and no
/// CPU at all while the files are idle.
final class FollowManyTests: XCTestCase {
    static let fileCount = 1000
    /// The length of every line the writers write, LF included.
    static let lineLength = 13

    /// The lines printed so far, parsed: which file each belongs to (by the header before it)
    /// and its number; faults of the format are collected.
    final class Parsed {
        var seen: [[Int]] = Array(repeating: [], count: FollowManyTests.fileCount)
        var faults: [String] = []
        var consumed = 0
        var current: Int?
        var pendingBlank = false

        func update(_ data: Data) {
            guard data.count > consumed else { return }
            let bytes = data[data.startIndex + consumed ..< data.endIndex]
            guard let lastLF = bytes.lastIndex(of: 0x0A) else { return }
            let text = String(decoding: bytes[..<lastLF], as: UTF8.self)
            consumed = lastLF - data.startIndex + 1
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if line.hasPrefix("==> ") {
                    // "==> fNNNN.log <==", after a blank line except for the first header.
                    if current != nil && !pendingBlank { faults.append("no blank line before \(line)") }
                    guard line.hasSuffix(".log <=="), let n = Int(line.dropFirst(5).prefix(4)) else {
                        faults.append("bad header \(line)"); continue
                    }
                    current = n
                    pendingBlank = false
                } else if line.isEmpty {
                    pendingBlank = true
                } else {
                    if pendingBlank { faults.append("blank line inside a file's lines") }
                    pendingBlank = false
                    // "fNNNN LLLLLL"
                    guard line.count == 12, line.first == "f", let file = Int(line.dropFirst().prefix(4)),
                          let number = Int(line.suffix(6)) else { faults.append("not a whole line: \(line.prefix(40))"); continue }
                    if file != current { faults.append("line of f\(file) under the header of \(current.map(String.init) ?? "none")") }
                    if file < seen.count { seen[file].append(number) }
                }
            }
        }
    }

    /// Appends numbered lines to each file through a descriptor of its own, as logging processes do.
    final class Writers {
        let dir: URL
        var fds: [Int32]
        var next: [Int]
        var sizes: [Int]
        init(dir: URL, count: Int) {
            self.dir = dir
            fds = Array(repeating: -1, count: count)
            next = Array(repeating: 1, count: count)
            sizes = Array(repeating: 0, count: count)
            for i in 0..<count { reopen(i) }
        }
        func path(_ i: Int) -> String { dir.appendingPathComponent(String(format: "f%04d.log", i)).path }
        func reopen(_ i: Int) {
            if fds[i] >= 0 { close(fds[i]) }
            fds[i] = open(path(i), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            sizes[i] = 0
        }
        /// Writes `lines` lines ("fNNNN LLLLLL", 13 bytes with the LF) to file `i` in one write.
        func write(_ i: Int, lines: Int) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(lines * FollowManyTests.lineLength)
            for _ in 0..<lines {
                bytes.append(UInt8(ascii: "f"))
                Self.digits(i, 4, into: &bytes)
                bytes.append(UInt8(ascii: " "))
                Self.digits(next[i], 6, into: &bytes)
                bytes.append(0x0A)
                next[i] += 1
            }
            let n = bytes.withUnsafeBytes { Glibc.write(fds[i], $0.baseAddress, $0.count) }
            sizes[i] += n
        }
        /// `value` in `width` decimal digits, with leading zeros.
        static func digits(_ value: Int, _ width: Int, into bytes: inout [UInt8]) {
            var divisor = 1
            for _ in 1..<width { divisor *= 10 }
            while divisor > 0 {
                bytes.append(UInt8(48 + (value / divisor) % 10))
                divisor /= 10
            }
        }
        /// Every line written so far, in bytes.
        var written: Int { next.reduce(0) { $0 + $1 - 1 } * FollowManyTests.lineLength }
        func closeAll() { for fd in fds where fd >= 0 { close(fd) } }
    }

    /// Samples the follower's threads and descriptors while the test runs.
    final class Sampler: @unchecked Sendable {
        // @unchecked Sendable: the maxima are only touched with `lock` held.
        private let lock = NSLock()
        private var maxThreads = 0, maxDescriptors = 0
        private var running = true
        init(pid: Int32) {
            Thread { [self] in
                while true {
                    let t = ProcessFigures.threads(pid), d = ProcessFigures.descriptors(pid)
                    lock.lock()
                    maxThreads = max(maxThreads, t); maxDescriptors = max(maxDescriptors, d)
                    let go = running
                    lock.unlock()
                    if !go { return }
                    usleep(20_000)
                }
            }.start()
        }
        func finish() -> (threads: Int, descriptors: Int) {
            lock.lock(); defer { lock.unlock() }
            running = false
            return (maxThreads, maxDescriptors)
        }
    }

    /// 1,000 files of one line each in a fresh folder, and `sluice tail -F OPTIONS f*.log`
    /// following them under `ulimit -n 1100`; `finish` stops it and removes the files.
    func followThousand(options: String) throws -> (writers: Writers, follower: RunningProgram, finish: () -> Void) {
        let dir = try temporaryDirectory()
        let writers = Writers(dir: dir, count: Self.fileCount)
        for i in 0..<Self.fileCount { writers.write(i, lines: 1) }
        let cleanUp = { writers.closeAll(); try? FileManager.default.removeItem(at: dir) }
        do {
            let follower = try RunningProgram("/bin/sh", ["-c", "ulimit -n 1100 && exec \"$SLUICE\" tail -F \(options) f*.log"],
                                              directory: dir, environment: ["SLUICE": sluiceBinary], timeout: 120)
            return (writers, follower, { follower.stop(); cleanUp() })
        } catch {
            cleanUp()
            throw error
        }
    }

    func testThousandFilesFollowedUnderUlimit() throws {
        let count = Self.fileCount
        let (writers, follower, finish) = try followThousand(options: "-n +1")
        defer { finish() }
        let parsed = Parsed()
        var rng = SystemRandomNumberGenerator()

        /// Waits until every line written to `files` was printed.
        func caughtUp(_ files: some Sequence<Int>, _ what: String, seconds: Double = 30) {
            let files = Array(files)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                parsed.update(follower.output)
                if files.allSatisfy({ parsed.seen[$0].last == writers.next[$0] - 1 }) { return }
                usleep(5_000)
            }
            let behind = files.filter { parsed.seen[$0].last != writers.next[$0] - 1 }
            XCTFail("\(what): \(behind.count) files behind (first f\(behind.first ?? -1)); stderr: \(follower.errors.prefix(500))")
        }

        caughtUp(0..<count, "start")
        // Under `exec`, the shell's process is the follower's.
        let pid = follower.pid
        let others = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { fd -> String? in
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? "?"
            return target.hasSuffix(".log") ? nil : "\(fd) -> \(target)"
        }
        print("descriptors other than the files: \(others.sorted())")
        let sampler = Sampler(pid: pid)
        // Idle CPU and memory: testThousandFilesMemoryBound.

        // Appends to random files.
        func appendAtRandom(_ writes: Int) {
            for _ in 0..<writes { writers.write(Int.random(in: 0..<count, using: &rng), lines: Int.random(in: 1...3, using: &rng)) }
        }
        for _ in 0..<10 { appendAtRandom(300); usleep(2_000) }
        caughtUp(0..<count, "random appends")

        // 100 rotations by rename and create, 4 at a time, with late writes to the old file.
        var order = Array(0..<count)
        order.shuffle(using: &rng)
        let rotated = Array(order.prefix(100)), truncated = Array(order.dropFirst(100).prefix(50))
        for start in stride(from: 0, to: rotated.count, by: 4) {
            let batch = rotated[start ..< min(start + 4, rotated.count)]
            for i in batch {
                XCTAssertEqual(rename(writers.path(i), writers.path(i) + ".1"), 0)
                writers.write(i, lines: 2)  // late lines, to the renamed file
                writers.reopen(i)
                writers.write(i, lines: 3)
            }
            appendAtRandom(50)
            caughtUp(batch, "rotation")
        }

        // 50 truncations, each rewritten longer than before.
        for start in stride(from: 0, to: truncated.count, by: 10) {
            let batch = truncated[start ..< min(start + 10, truncated.count)]
            caughtUp(batch, "before truncation")
            for i in batch {
                let before = writers.sizes[i]
                XCTAssertEqual(ftruncate(writers.fds[i], 0), 0)
                writers.sizes[i] = 0
                while writers.sizes[i] <= before { writers.write(i, lines: 5) }
            }
            appendAtRandom(50)
            caughtUp(batch, "truncation")
        }

        for _ in 0..<5 { appendAtRandom(300); usleep(2_000) }
        caughtUp(0..<count, "the end")
        let (threads, descriptors) = sampler.finish()
        print("following \(count) files: at most \(threads) threads, \(descriptors) descriptors")

        parsed.update(follower.output)
        XCTAssertEqual(parsed.faults.prefix(5), [], "\(parsed.faults.count) format faults")
        var wrong: [String] = []
        for i in 0..<count where parsed.seen[i] != Array(1..<writers.next[i]) {
            let got = parsed.seen[i]
            wrong.append("f\(i): \(got.count) lines for \(writers.next[i] - 1), \(got.count - Set(got).count) repeated")
        }
        XCTAssertEqual(wrong.prefix(5), [], "\(wrong.count) files with lines lost, repeated or out of order")
        XCTAssertLessThanOrEqual(threads, 8, "threads")
        XCTAssertLessThanOrEqual(descriptors, count + 16, "descriptors")
        XCTAssertGreaterThan(descriptors, count, "the sampler saw the follower")
    }

    /// The memory bound, with threads, descriptors and idle CPU: `sluice tail -F` on 1,000
    /// files under `ulimit -n 1100`, idle, then after every file got a burst of lines (more
    /// than a chunk each, written while the follower is stopped, so that all 1,000 have data
    /// waiting at once when it resumes), then idle again. Its peak resident memory (`VmHWM`,
    /// which bounds every `VmRSS`) stays within 64 MiB, it has at most 8 threads and 1,016
    /// descriptors, uses under 1 CPU tick in each 5 s idle, and prints every line once, whole,
    /// in each file's order. The figures are printed.
    func testThousandFilesMemoryBound() throws {
        let count = Self.fileCount
        // -q: no headers, so the output is the lines alone, 13 bytes each.
        let (writers, follower, finish) = try followThousand(options: "-q -n +1")
        defer { finish() }

        /// Waits until every byte written was printed.
        func caughtUp(_ what: String, seconds: Double = 30) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if follower.outputCount >= writers.written { return true }
                usleep(5_000)
            }
            XCTFail("\(what): \(follower.outputCount) bytes of \(writers.written) printed; stderr: \(follower.errors.prefix(500))")
            return false
        }
        /// CPU ticks in 5 s and resident KiB once the follower has settled.
        func idle() -> (ticks: Int, residentKiB: Int) {
            usleep(300_000)  // the start-up's or the burst's last work ends: measured, not relied on
            let before = ProcessFigures.cpuTicks(follower.pid)
            usleep(5_000_000)
            let after = ProcessFigures.cpuTicks(follower.pid)
            XCTAssertNotNil(before)
            XCTAssertNotNil(after)
            return ((after ?? 0) - (before ?? 0), ProcessFigures.residentKiB(follower.pid) ?? 0)
        }

        guard caughtUp("start") else { return }
        // Under `exec`, the shell's process is the follower's.
        let pid = follower.pid
        let sampler = Sampler(pid: pid)
        let quiet = idle()

        // Each file gets its burst in one write while the follower is stopped.
        let burstLines = 1300  // 16,900 bytes: a full 16 KiB chunk and the rest
        XCTAssertEqual(kill(pid, SIGSTOP), 0)
        for i in 0..<count { writers.write(i, lines: burstLines) }
        XCTAssertEqual(kill(pid, SIGCONT), 0)
        guard caughtUp("burst") else { return }
        let afterBurst = idle()
        let peak = ProcessFigures.residentKiB(pid, field: "VmHWM") ?? 0
        let (threads, descriptors) = sampler.finish()
        print("following \(count) files: idle \(quiet.ticks) ticks in 5 s, RSS \(quiet.residentKiB) KiB; "
              + "after a burst of \(burstLines) lines each: \(afterBurst.ticks) ticks in 5 s, RSS \(afterBurst.residentKiB) KiB; "
              + "peak RSS \(peak) KiB; at most \(threads) threads, \(descriptors) descriptors")

        // Every line once, whole, in its file's order.
        let output = follower.output
        XCTAssertEqual(output.count, writers.written, "bytes printed")
        var next = Array(repeating: 1, count: count)
        var faults = 0, firstFault = ""
        output.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            func number(_ at: Int, _ width: Int) -> Int? {
                var value = 0
                for k in at..<(at + width) {
                    let b = raw[k]
                    guard b >= 48 && b <= 57 else { return nil }
                    value = value * 10 + Int(b - 48)
                }
                return value
            }
            var at = 0
            while at + Self.lineLength <= raw.count {
                if raw[at] == UInt8(ascii: "f"), raw[at + 5] == 0x20, raw[at + 12] == 0x0A,
                   let file = number(at + 1, 4), file < count, let line = number(at + 6, 6), line == next[file] {
                    next[file] += 1
                } else {
                    if faults == 0 { firstFault = String(decoding: raw[at..<(at + Self.lineLength)], as: UTF8.self) }
                    faults += 1
                }
                at += Self.lineLength
            }
        }
        XCTAssertEqual(faults, 0, "lines not whole, lost, repeated or out of order; first: \(firstFault.debugDescription)")
        XCTAssertEqual(next, writers.next, "every file's lines")

        XCTAssertLessThanOrEqual(threads, 8, "threads")
        XCTAssertLessThanOrEqual(descriptors, count + 16, "descriptors")
        XCTAssertGreaterThan(descriptors, count, "the sampler saw the follower")
        if !runningUnderSanitizer {  // shadow memory and instrumented code
            // Idle means asleep on inotify: 0 ticks (10 ms each) in 5 s here, but a shared machine's
            // accounting can charge a tick or two (one clean-clone CI saw 1). Polling the 1,000
            // files costs more (a stat of each, about a microsecond, ten times a second is 10 ms of
            // CPU a second: 5 ticks in 5 s, more with the reads): at most 3 ticks tells them apart.
            XCTAssertLessThanOrEqual(quiet.ticks, 3, "CPU ticks in 5 s of following 1,000 idle files")
            XCTAssertLessThanOrEqual(afterBurst.ticks, 3, "CPU ticks in 5 s of following 1,000 idle files, after the burst")
            XCTAssertLessThanOrEqual(peak, Self.residentLimitKiB, "peak resident KiB following 1,000 files")
        }
    }

    /// The memory bound of 1,000 followed files (see "Cost" in the UsingFollowedFile article).
    static let residentLimitKiB = 64 << 10
}
