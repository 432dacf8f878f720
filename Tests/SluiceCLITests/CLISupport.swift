import Foundation
import XCTest

let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixturesDir = packageRoot.appendingPathComponent("Fixtures")

/// The path of a file under Fixtures/.
func fixture(_ path: String) -> String { fixturesDir.appendingPathComponent(path).path }

/// The built `sluice` binary (`SLUICE_BIN` overrides).
let sluiceBinary: String = {
    if let path = ProcessInfo.processInfo.environment["SLUICE_BIN"] { return path }
    return packageRoot.appendingPathComponent(".build/debug/sluice").path
}()

/// A child that ran past its time limit (it was killed).
struct TimedOut: Error, CustomStringConvertible {
    let command: String
    let seconds: TimeInterval
    var description: String { "timed out after \(Int(seconds)) s: \(command.prefix(300))" }
}

struct Outcome {
    let status: Int32
    let stdout: Data
    let stderr: String
    var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs a program to completion, feeding `stdin`, in `directory`, with LC_ALL=C.
func runProgram(_ executable: String, _ arguments: [String], stdin: Data? = nil, directory: URL? = nil,
                environment: [String: String] = [:], timeout: TimeInterval = 300) throws -> Outcome {
    let process = Process()
    // In a session of its own (setsid), so that a time-out kills whatever it started too: a
    // background child left holding the output pipe would otherwise block the read forever.
    process.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
    process.arguments = ["-w", executable] + arguments
    if let directory { process.currentDirectoryURL = directory }
    var env = ProcessInfo.processInfo.environment
    env["LC_ALL"] = "C"
    env.removeValue(forKey: "GREP_COLORS")
    env.removeValue(forKey: "GREP_OPTIONS")
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe(), err = Pipe(), input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try process.run()
    if let stdin {
        // Fed from a thread of its own, so that a child that writes much before it reads all
        // of its input cannot deadlock against this function (which reads the output below),
        // and with SIGPIPE blocked in that thread: a child that exits before reading all of it
        // makes the write fail with EPIPE instead of killing the test process. (SIGPIPE goes
        // to the thread that wrote; a signal left pending there ends with the thread.)
        let handle = input.fileHandleForWriting
        Thread {
            var pipeSignal = sigset_t()
            sigemptyset(&pipeSignal)
            sigaddset(&pipeSignal, SIGPIPE)
            pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
            try? handle.write(contentsOf: stdin)
            try? handle.close()
        }.start()
    }
    // Read both pipes concurrently so a full stderr cannot block the child.
    let errorData = LockedData()
    let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
    reader.start()
    // A hung child must fail its test, not hang the suite: it is killed after `timeout` seconds.
    let finished = DispatchSemaphore(value: 0)
    let timedOut = LockedData()
    let pid = process.processIdentifier
    DispatchQueue.global().async {
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            timedOut.set(Data([1]))
            // setsid forks when it is already a group leader: its child leads the new session.
            let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            for child in children.split(separator: " ").compactMap({ Int32($0) }) { kill(-child, SIGKILL) }
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    finished.signal()
    if timedOut.isSet { throw TimedOut(command: ([executable] + arguments).joined(separator: " "), seconds: timeout) }
    while !errorData.isSet { usleep(1000) }
    return Outcome(status: process.terminationStatus, stdout: outData, stderr: String(decoding: errorData.value, as: UTF8.self))
}

func sluice(_ arguments: [String], stdin: Data? = nil, directory: URL? = nil, environment: [String: String] = [:]) throws -> Outcome {
    try runProgram(sluiceBinary, arguments, stdin: stdin, directory: directory, environment: environment)
}

func shell(_ script: String, directory: URL? = nil) throws -> Outcome {
    try runProgram("/bin/bash", ["-c", script], directory: directory, environment: ["SLUICE": sluiceBinary])
}

final class LockedData: @unchecked Sendable {
    // @unchecked Sendable: every access holds `lock`.
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return data != nil }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}

/// A fresh temporary folder, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sluice-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Whether the tests run under a sanitizer (`make check` sets `SLUICE_SANITIZER`): shadow memory
/// and quarantine make peak-memory figures meaningless there, so those limits are not checked.
let runningUnderSanitizer = ProcessInfo.processInfo.environment["SLUICE_SANITIZER"] != nil

/// A child that runs while the test talks to it (a follower): its standard output is collected
/// by a thread of its own, standard error too, and it is killed after `timeout` seconds
/// whatever the test does, so that it can never hang the suite.
final class RunningProgram: @unchecked Sendable {
    // @unchecked Sendable: `stdoutData` and `stderrData` are only touched with `lock` held;
    // `process` is only used from the test's thread.
    let process = Process()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private let finished = DispatchSemaphore(value: 0)

    init(_ executable: String, _ arguments: [String], directory: URL? = nil, environment: [String: String] = [:],
         timeout: TimeInterval) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        env["LC_ALL"] = "C"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        for (handle, isOut) in [(out.fileHandleForReading, true), (err.fileHandleForReading, false)] {
            Thread { [self] in
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return }
                    lock.lock()
                    if isOut { stdoutData.append(chunk) } else { stderrData.append(chunk) }
                    lock.unlock()
                }
            }.start()
        }
        let pid = process.processIdentifier, finished = self.finished
        DispatchQueue.global().async {
            if finished.wait(timeout: .now() + timeout) == .timedOut { kill(pid, SIGKILL) }
        }
    }

    var pid: Int32 { process.processIdentifier }
    var output: Data { lock.lock(); defer { lock.unlock() }; return stdoutData }
    /// How many bytes it has printed so far (without copying them).
    var outputCount: Int { lock.lock(); defer { lock.unlock() }; return stdoutData.count }
    var errors: String { lock.lock(); defer { lock.unlock() }; return String(decoding: stderrData, as: UTF8.self) }

    /// SIGTERM, then SIGKILL if it has not ended within 5 s; returns its status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
        finished.signal()
        return process.terminationStatus
    }

    deinit { if process.isRunning { kill(pid, SIGKILL) }; finished.signal() }
}

/// What /proc says of a running process: threads, open descriptors, CPU ticks, resident memory.
enum ProcessFigures {
    static func threads(_ pid: Int32) -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? 0 }
    static func descriptors(_ pid: Int32) -> Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0 }
    /// User plus system time in clock ticks.
    static func cpuTicks(_ pid: Int32) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the command: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        return user + system
    }
    /// Resident memory now (`VmRSS`), or its peak so far with `field: "VmHWM"`, in KiB.
    static func residentKiB(_ pid: Int32, field: String = "VmRSS") -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
    }
}

/// The CLI tests' deterministic generator (SplitMix64), so that a failing case can be replayed
/// from its seed.
struct SplitMix {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A number in `0..<n`.
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[int(items.count)] }
}
