import Foundation
import XCTest
@testable import Sluice

/// A log made in the test, whose records' times are known: the oracle for since, until, the
/// seek, merge and --records.
struct TimedLog {
    struct Record {
        var time: Int64?         // nil: lines before the first timestamp
        var lines: [String]
        var offset = 0            // byte offset of its first line in `text`
    }
    var records: [Record] = []
    var text: [UInt8] = []

    /// `count` records from 2024-05-13T08:00:00Z, time never decreasing (ties often), one in
    /// `multiEvery` with continuation lines, one in `longEvery` with a line longer than 4 KiB;
    /// optionally untimed lines first. Lines are ISO stamped with milliseconds.
    init(count: Int, seed: UInt64, multiEvery: Int = 7, longEvery: Int = 0, untimedHead: Bool = false,
         start: Int64 = 1_715_587_200 * LogTime.second, crlf: Bool = false, prefix: String = "") {
        var rng = SplitMix(seed: seed)
        var t = start
        if untimedHead { records.append(Record(time: nil, lines: ["preamble without a time", "\tsecond preamble line"])) }
        for i in 0..<count {
            if rng.next() % 4 != 0 { t += Int64(rng.next() % 3000) * 1000 }  // ms steps, ties a quarter of the time
            var lines = ["\(LogTime.isoMillis(t)) \(prefix)INFO record \(i) \(rng.next() % 1000 == 0 ? "Exception" : "ok")"]
            if multiEvery > 0 && rng.next() % UInt64(multiEvery) == 0 {
                lines[0] += " java.lang.IllegalStateException"
                for k in 0..<Int(rng.next() % 5 + 1) { lines.append("\tat org.example.Class.method\(k)(Class.java:\(i))") }
                if rng.next() % 2 == 0 { lines.append("Caused by: java.io.IOException: record \(i)") }
            }
            if longEvery > 0 && rng.next() % UInt64(longEvery) == 0 {
                lines.append("\tlong " + String(repeating: "x", count: 4000 + Int(rng.next() % 3000)))
            }
            records.append(Record(time: t, lines: lines))
        }
        let end = crlf ? "\r\n" : "\n"
        for i in records.indices {
            records[i].offset = text.count
            for line in records[i].lines { text += Array((line + end).utf8) }
        }
    }

    var times: [Int64] { records.compactMap(\.time) }

    /// The lines of the records `keep` accepts (by time; untimed head: `keep(nil)`).
    func lines(where keep: (Int64?) -> Bool) -> [String] {
        records.filter { keep($0.time) }.flatMap(\.lines)
    }

    /// The offset of the first record at or after `t` (the text's size when none).
    func offset(atOrAfter t: Int64) -> Int {
        records.first { ($0.time ?? Int64.min) >= t }?.offset ?? text.count
    }

    /// Times worth testing: every kind of edge and hundreds at random.
    func probeTimes(_ n: Int, seed: UInt64) -> [Int64] {
        var rng = SplitMix(seed: seed)
        let ts = times
        var out = [ts.first! - 1, ts.first!, ts.last!, ts.last! + 1, ts.first! - 86_400 * LogTime.second,
                   ts.last! + 86_400 * LogTime.second]
        for _ in 0..<n {
            let base = ts[Int(rng.next() % UInt64(ts.count))]
            switch rng.next() % 3 {
            case 0: out.append(base)                               // exact hit (often a tie)
            case 1: out.append(base + 1)
            default: out.append(base - Int64(rng.next() % 2000) * 1000)
            }
        }
        return out
    }
}

extension LogTime {
    /// `2024-05-13T08:00:00.123Z` (milliseconds).
    static func isoMillis(_ t: Int64) -> String {
        let text = format(t)  // ...SS.ffffffZ
        return String(text.dropLast(4)) + "Z"
    }
}

/// The lines a stream yields, as strings.
func lineStrings(_ s: some AsyncSequence<LineBatch, any Error>) async throws -> [String] {
    var out: [String] = []
    for try await batch in s { for line in batch { out.append(String(line)) } }
    return out
}

/// Runs a program and returns its standard output (for the Python oracle and make-timed-log).
func runTool(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

let repositoryRoot = fixtures.deletingLastPathComponent()
/// The project's shared data and tools, beside the repository (absent in a lone clone: those tests skip).
let sharedDir = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
let timeOracle = repositoryRoot.appendingPathComponent("Tests/Oracles/logtime.py").path
