// The batch job of the library's "Writing a batch job" article, as written there.
// Run: batch-job DIR. DIR holds plain and compressed logs. It prints what this shell line prints,
// and the top IP of those lines:
//   zcat -f DIR/* | grep -cP 'Failed password for (invalid user )?\S+ from \S+'
// then writes DIR/../failed.gz: the matching lines of the first file, gzip-compressed.
import Foundation
import Sluice
import SluiceFoundation

let dir = CommandLine.arguments[1]
let paths = try FileManager.default.contentsOfDirectory(atPath: dir).sorted().map { dir + "/" + $0 }
let pattern = try GrepPattern(#"Failed password for (invalid user )?(\S+) from (\S+)"#)
let perFile = await InputFiles(paths).mapFiles(maxConcurrent: 2) { name, lines in
    var ips: [String: Int] = [:]
    for try await batch in lines.grep(pattern) { for line in batch { if let m = try pattern.firstMatch(in: line), let ip = m[3] { ips[String(ip), default: 0] += 1 } } }
    return ips
}
var all: [String: Int] = [:]
for case .success(let ips) in perFile { all.merge(ips, uniquingKeysWith: +) }
for case .failure(let error) in perFile { FileHandle.standardError.write(Data("batch-job: \(error)\n".utf8)); exit(2) }
print(all.values.reduce(0, +), all.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!.key)
let handle = FileHandle(forReadingAtPath: paths[0])!
try await FileChunks(fileHandle: handle, name: paths[0]).decompressed().lineBatches().grep(pattern)
    .printed().gzip(level: 6).write(toFile: dir + "/../failed.gz")
