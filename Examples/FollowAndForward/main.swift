// follow-and-forward FILE PATTERN [--max N]
//
// Follows FILE as `tail -F` does (through rotation and truncation) from its end, and forwards
// every new line that matches PATTERN to standard output, flushed at once, the way a small
// alerting job would. Stops after N forwarded lines when --max is given, else on Ctrl-C.
import Foundation
import Sluice

let arguments = CommandLine.arguments
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: follow-and-forward FILE PATTERN [--max N]\n".utf8))
    exit(2)
}
let path = arguments[1]
let pattern = try GrepPattern(arguments[2])
let limit = arguments.count >= 5 && arguments[3] == "--max" ? Int(arguments[4]) : nil
let output = OutputWriter(fileDescriptor: 1, lineBuffered: true)

var forwarded = 0
let followed = FollowedFile(path: path, start: .lastLines(0), follow: .name, pollInterval: .milliseconds(200))
loop: for try await line in followed.lines() where try pattern.matches(line) {
    try output.write(Array("forward: ".utf8) + line.bytes + [0x0A])
    forwarded += 1
    if let limit, forwarded >= limit { break loop }
}
