// decompress-stdin < input > output
//
// Inflates gzip from standard input to standard output, as `zcat -f` does: every member,
// plain input passed through unchanged. On damaged input, everything decoded before the fault
// is written, then the fault is reported with its byte offset, and the status is 1.
import Foundation
import Sluice

let writer = OutputWriter(fileDescriptor: 1)
do {
    for try await chunk in FileChunks.standardInput().gunzip(autoDetect: true) {
        try writer.write(chunk)
    }
    try writer.flush()
} catch {
    try? writer.flush()
    FileHandle.standardError.write(Data("decompress-stdin: \(error)\n".utf8))
    exit(1)
}
