import Foundation
import XCTest
@testable import Sluice

/// The gzip stage against other implementations: streams written by Python's `gzip` and `zlib`
/// modules (every level and strategy, stored blocks, flushes, many tiny members, every header
/// field) and by the gzip tools on the machine, each compared with what the other side decodes.
final class GunzipDifferentialTests: XCTestCase {
    func testStreamsWrittenByPython() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try run("/usr/bin/env", ["python3", fixture("scripts/gzip-streams.py"), dir])
        XCTAssertGreaterThan(Int(made.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, 150)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".gz") }.sorted()
        for name in names {
            let compressed = try bytes(dir + "/" + name)
            let expected = try bytes(dir + "/" + name.dropLast(3) + ".raw")
            let sizes = compressed.count < 20_000 ? [1, 7, 4096, 1 << 20] : [7, 4096, 1 << 20]
            for size in sizes {
                let (out, error) = await ChunkedBytes(bytes: compressed, size: size).gunzip(inflater: testInflater).collect()
                XCTAssertNil(error, "\(name) at chunk size \(size)")
                XCTAssertTrue(out == expected, "\(name) at chunk size \(size): \(out.count) bytes, expected \(expected.count)")
            }
        }
    }

    /// Multi-member streams split into two chunks at every offset, so that a chunk boundary
    /// falls inside every header, deflate stream, trailer and member boundary.
    func testMembersSplitAtEveryOffset() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run("/usr/bin/env", ["python3", fixture("scripts/gzip-streams.py"), dir])
        for name in ["empty-members-between", "all-header-fields"] {
            let compressed = try bytes("\(dir)/\(name).gz")
            let expected = try bytes("\(dir)/\(name).raw")
            for split in 0...compressed.count {
                let (out, error) = await SplitBytes(parts: [Array(compressed[..<split]), Array(compressed[split...])]).gunzip(inflater: testInflater).collect()
                XCTAssertNil(error, "\(name) split at \(split)")
                XCTAssertTrue(out == expected, "\(name) split at \(split)")
            }
        }
        let tiny = Array(try bytes("\(dir)/many-tiny-members.gz").prefix(4000))
        let whole = await SplitBytes(parts: [tiny]).gunzip(inflater: testInflater).collect()
        for split in 0...tiny.count {
            let (out, error) = await SplitBytes(parts: [Array(tiny[..<split]), Array(tiny[split...])]).gunzip(inflater: testInflater).collect()
            XCTAssertEqual(out, whole.bytes, "many tiny members split at \(split)")
            XCTAssertEqual(error as? SluiceError, whole.error as? SluiceError, "split at \(split)")
        }
    }

    /// Streams from the gzip tools found on the machine (gzip always; pigz and bgzip when
    /// installed), compared with `gzip -dc`.
    func testStreamsWrittenByTools() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = dir + "/input.log"
        let text = (0..<60_000).map { "\($0) sshd[\($0 % 977)]: Failed password for user\($0 % 13) from 10.0.\($0 % 256).1\n" }.joined()
        XCTAssert(FileManager.default.createFile(atPath: input, contents: Data(text.utf8)))
        let commands = ["gzip -1 -c", "gzip -9 -c", "gzip -n -c", "pigz -p 2 -c", "pigz -i -c", "pigz --rsyncable -c",
                        "pigz -11 -c", "bgzip -c"]
        var tried = 0
        for command in commands {
            let tool = String(command.split(separator: " ")[0])
            guard (try? run("/bin/sh", ["-c", "command -v \(tool)"])) != nil else { continue }
            let output = "\(dir)/out-\(tried).gz"
            guard (try? run("/bin/sh", ["-c", "\(command) < \(input) > \(output)"])) != nil else { continue }
            tried += 1
            let (out, error) = await FileChunks(path: output, chunkSize: 4093).gunzip(inflater: testInflater).collect()
            XCTAssertNil(error, command)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), text, command)
        }
        XCTAssertGreaterThanOrEqual(tried, 3, "gzip at least")
    }

    // MARK: Helpers

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "sluice-gzip-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func bytes(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Runs a program and returns its standard output; throws when it fails.
    @discardableResult
    private func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
        return String(decoding: data, as: UTF8.self)
    }
}

/// An in-memory byte stream yielded as the given parts.
struct SplitBytes: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = any Error
    let parts: [[UInt8]]

    func makeAsyncIterator() -> Iterator { Iterator(parts: parts) }

    struct Iterator: AsyncIteratorProtocol {
        let parts: [[UInt8]]
        var index = 0

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            guard index < parts.count else { return nil }
            defer { index += 1 }
            return parts[index]
        }

        mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}
