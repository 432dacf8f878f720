import Foundation
import XCTest
@testable import Sluice

/// The repository's Fixtures folder.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixture(_ path: String) -> String { fixtures.appendingPathComponent(path).path }
func fixtureBytes(_ path: String) -> [UInt8] { Array(FileManager.default.contents(atPath: fixture(path)) ?? Data()) }

/// The chunk sizes every splitter and inflater test sweeps.
let chunkSizes = [1, 2, 3, 7, 64, 4096, 1 << 20]

/// An in-memory byte stream cut into chunks of `size`, with an empty chunk after every `emptyEvery` chunks.
struct ChunkedBytes: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = any Error
    let bytes: [UInt8]
    let size: Int
    var emptyEvery = 3
    var failure: SluiceError?

    func makeAsyncIterator() -> Iterator { Iterator(source: self) }

    struct Iterator: AsyncIteratorProtocol {
        let source: ChunkedBytes
        var position = 0
        var emitted = 0

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            emitted += 1
            if source.emptyEvery > 0 && emitted % source.emptyEvery == 0 { return [] }
            guard position < source.bytes.count else {
                if let failure = source.failure { throw failure }
                return nil
            }
            let end = Swift.min(source.bytes.count, position + source.size)
            defer { position = end }
            return Array(source.bytes[position..<end])
        }

        mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

extension AsyncSequence where Element == [UInt8] {
    /// Everything the stream yields, joined, and the error that ended it, if any.
    func collect() async -> (bytes: [UInt8], error: (any Error)?) {
        var out: [UInt8] = []
        do {
            for try await chunk in self { out += chunk }
            return (out, nil)
        } catch {
            return (out, error)
        }
    }
}

/// Lines as the standard library splits them: the oracle for the splitter.
func oracleLines(_ bytes: [UInt8], keepCR: Bool) -> [[UInt8]] {
    var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
    if bytes.last == 0x0A || bytes.isEmpty { lines.removeLast() }
    if !keepCR { lines = lines.map { $0.last == 0x0D ? Array($0.dropLast()) : $0 } }
    return lines
}

/// Open descriptors of this process.
func openDescriptorCount() -> Int {
    (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
}

/// Whether the tests run under a sanitizer (`make check` sets `SLUICE_SANITIZER`): shadow memory
/// and quarantine make peak-memory figures meaningless there, so those limits are not checked.
let runningUnderSanitizer = ProcessInfo.processInfo.environment["SLUICE_SANITIZER"] != nil

/// The gzip inflater the gzip suites use: ISA-L, or zlib with `SLUICE_INFLATE=zlib` (the
/// suites are run both ways; DecompressTests compares the two directly).
let testInflater: Inflater = ProcessInfo.processInfo.environment["SLUICE_INFLATE"] == "zlib" ? .zlib : .isal
