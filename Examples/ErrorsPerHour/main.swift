// errors-per-hour FOLDER [PATTERN]
//
// Counts the lines matching PATTERN (default: "ERROR|error") per hour over a folder of rotated
// logs (app.log.3.gz, app.log.2.gz, app.log.1.gz, app.log: oldest first), the way a nightly
// batch job would. The hour is taken from an ISO-8601 timestamp at the start of each line
// (2024-05-13T23:04:58Z -> 2024-05-13T23). Damaged files are reported and skipped; the exit
// status is then 2.
import Foundation
import Sluice
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: errors-per-hour FOLDER [PATTERN]\n".utf8))
    exit(2)
}
let folder = URL(fileURLWithPath: arguments[1])
let pattern = try GrepPattern(arguments.count > 2 ? arguments[2] : "ERROR|error")

/// Rotation order: the highest number is the oldest; the file without a number is the newest.
func rotationIndex(_ name: String) -> Int {
    let parts = name.split(separator: ".")
    return parts.reversed().lazy.compactMap { Int($0) }.first ?? 0
}
let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    .filter { !$0.hasPrefix(".") }
    .sorted { (rotationIndex($0), $1) > (rotationIndex($1), $0) }
let paths = names.map { folder.appendingPathComponent($0).path }

/// Inputs that could not be read in full (reported, then skipped), for the exit status.
final class FailureCount: Sendable {
    private let count = Atomic(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
let failures = FailureCount()
let files = InputFiles(paths, onError: { error in
    FileHandle.standardError.write(Data("errors-per-hour: \(error)\n".utf8))
    failures.add()
})
var perHour: [String: Int] = [:]
for try await batch in files.lineBatches().grep(pattern) {
    for line in batch where line.byteCount >= 13 {
        let hour = line.withUnsafeBytes { String(decoding: $0.prefix(13), as: UTF8.self) }
        perHour[hour, default: 0] += 1
    }
}
for (hour, count) in perHour.sorted(by: { $0.key < $1.key }) {
    print("\(hour):00  \(count)")
}
exit(failures.value > 0 ? 2 : 0)
