// Library loops measured by `make bench`, written as a batch job would write them.
//
//   sluice-bench lines FILE              lines of FILE via lines()
//   sluice-bench batches FILE            lines of FILE via lineBatches()
//   sluice-bench contains FILE TEXT      lines containing TEXT, one Line at a time
//   sluice-bench stdin-bytes -           bytes of standard input (a pipe) read by FileChunks
//   sluice-bench stdin-bytes-dispatchio - the same through a DispatchIO channel (FileChunks(channel:))
//   sluice-bench contains-batches FILE TEXT
//   sluice-bench logtime FILE            lines of FILE whose timestamp LogTime reads (lines/s on stderr:
//                                        of the whole loop, and of the parsing alone)
//   sluice-bench logtime-print FILE [YEAR MONTH OFFSET]   each line's instant in microseconds, or -
//   sluice-bench filehandle FILE         lines of FILE via FileChunks(fileHandle:) (SluiceFoundation)
//   sluice-bench mapfiles N TEXT FILE... lines containing TEXT per file, mapFiles(maxConcurrent: N)
//   sluice-bench taskgroup TEXT FILE...  the same with one unbounded TaskGroup task per file
//
// FILE is inflated first when its name ends in .gz. Top-level code runs on the main actor,
// so these loops also show that every iterator implements next(isolation:).
import Foundation
import Sluice
import SluiceFoundation
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    var text = message + "\n"
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    exit(2)
}

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    fail("usage: sluice-bench lines|batches|contains|contains-batches FILE [TEXT]")
}
let mode = arguments[1], path = arguments[2]
let text = arguments.count > 3 ? arguments[3] : ""
let chunks = FileChunks(path: path).gunzipIfGzip(path.hasSuffix(".gz"))

/// The same loop outside the main actor (a batch job's worker task).
nonisolated func countLinesOffMainActor(_ path: String) async throws -> Int {
    var n = 0
    for try await _ in FileChunks(path: path).gunzipIfGzip(path.hasSuffix(".gz")).lines() { n += 1 }
    return n
}

do {
    var n = 0
    switch mode {
    case "filehandle":
        guard let handle = FileHandle(forReadingAtPath: path) else { fail("sluice-bench: cannot open \(path)") }
        for try await batch in try FileChunks(fileHandle: handle, name: path).lineBatches() { n += batch.lineCount }
    case "mapfiles", "taskgroup":
        // Peak memory of many pipelines at once (read it with /usr/bin/time -f %M).
        let bounded = mode == "mapfiles"
        let needle = bounded ? arguments[3] : arguments[2]
        let files = Array(arguments.dropFirst(bounded ? 4 : 3))
        let limit = bounded ? Int(arguments[2]) ?? 2 : files.count
        let pattern = try GrepPattern(needle, syntax: .fixed)
        let results = await InputFiles(files).mapFiles(maxConcurrent: limit) { _, lines in
            var found = 0
            for try await batch in lines.grep(pattern) { found += batch.lineCount }
            return found
        }
        for result in results { n += try result.get() }
    case "lines-task":
        n = try await countLinesOffMainActor(path)
    case "lines":
        for try await _ in chunks.lines() { n += 1 }
    case "stdin-bytes":
        for try await chunk in FileChunks.standardInput() { n += chunk.count }
    case "stdin-bytes-dispatchio":
        let channel = DispatchIO(type: .stream, fileDescriptor: 0, queue: .global(), cleanupHandler: { _ in })
        for try await chunk in FileChunks(channel: channel, name: "(standard input)") { n += chunk.count }
    case "batches":
        for try await batch in chunks.lineBatches() { n += batch.lineCount }
    case "contains":
        for try await line in chunks.lines() where line.contains(text) { n += 1 }
    case "contains-batches":
        for try await batch in chunks.lineBatches() {
            for line in batch where line.contains(text) { n += 1 }
        }
    case "logtime":
        // Every line of the file read, split and parsed, as a batch job that uses both cores
        // would write it: reading and splitting in a task of their own (readAhead), parsing
        // here. The whole loop is timed; so is the parsing alone (lines already in memory).
        let parser = LogTime(referenceYear: 2024, referenceMonth: 12, zoneOffset: 0)
        var lines = 0
        var parsing = Duration.zero
        let start = ContinuousClock.now
        for try await batch in chunks.lineBatches().readAhead() {
            lines += batch.lineCount
            let before = ContinuousClock.now
            parser.forEachInstant(in: batch) { if $0 != nil { n += 1 } }
            parsing += ContinuousClock.now - before
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let parseSeconds = parsing / .seconds(1)
        var text = "\(lines) lines, \(n) with a timestamp, \(Int(Double(lines) / seconds)) lines/s read, split and parsed, "
            + "\(Int(Double(lines) / parseSeconds)) lines/s parsing alone\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    case "logtime-print":
        let numbers = arguments.dropFirst(3).compactMap { Int($0) }
        let parser = numbers.count == 3
            ? LogTime(referenceYear: numbers[0], referenceMonth: numbers[1], zoneOffset: numbers[2]) : LogTime()
        var out = ""
        for try await batch in chunks.lineBatches() {
            for line in batch { out += parser.parse(line).map { String($0) } ?? "-"; out += "\n" }
        }
        out.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
        exit(0)
    default:
        fail("sluice-bench: unknown mode \(mode)")
    }
    print(n)
} catch {
    fail("sluice-bench: \(error)")
}
