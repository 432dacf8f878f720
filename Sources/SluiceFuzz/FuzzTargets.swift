// Fuzz targets for the gzip stage, the decoding stage per codec, the line splitter, the
// command-line parser and the field stages.
//
// Built with `make fuzz` (libFuzzer: `-sanitize=fuzzer,address` and SLUICE_LIBFUZZER), the
// target is chosen by SLUICE_FUZZ_TARGET=gunzip|lines|plan|fields|gzip|zstd|xz|bzip2|lz4. In a normal build this is a
// replayer: `sluice-fuzz TARGET FILE...` runs saved inputs (seeds and past crashes) through the
// same checks, so `make test` keeps them fixed. A broken invariant stops the process.
import Dispatch
import Foundation
import Sluice
import SluiceCommands

/// Runs one input through `target`; stops the process when an invariant does not hold.
func runTarget(_ target: String, _ input: [UInt8]) {
    switch target {
    case "gunzip": GunzipTarget.run(input)
    case "lines": LinesTarget.run(input)
    case "plan": PlanTarget.run(input)
    case "fields": FieldsTarget.run(input)
    case "gzip": CodecTarget.run(.gzip, input)
    case "zstd": CodecTarget.run(.zstd, input)
    case "xz": CodecTarget.run(.xz, input)
    case "bzip2": CodecTarget.run(.bzip2, input)
    case "lz4": CodecTarget.run(.lz4, input)
    default: fatalError("unknown fuzz target '\(target)' (gunzip, lines, plan, fields, gzip, zstd, xz, bzip2, lz4)")
    }
}

/// Runs `body` to completion from synchronous code (the fuzzer calls in synchronously).
func blocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        await body()
        done.signal()
    }
    done.wait()
}

/// Stops the process with `message` when `condition` is false (in every build configuration).
func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        FileHandle.standardError.write(Data("invariant broken: \(message())\n".utf8))
        abort()
    }
}

/// An in-memory stream of chunks of one size.
struct MemoryChunks: AsyncSequence, Sendable {
    typealias Element = [UInt8]
    typealias Failure = any Error
    let bytes: [UInt8]
    let size: Int

    func makeAsyncIterator() -> Iterator { Iterator(bytes: bytes, size: size) }

    struct Iterator: AsyncIteratorProtocol {
        let bytes: [UInt8]
        let size: Int
        var position = 0

        mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            guard position < bytes.count else { return nil }
            let end = Swift.min(bytes.count, position + size)
            defer { position = end }
            return Array(bytes[position..<end])
        }

        mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

#if SLUICE_LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let target = ProcessInfo.processInfo.environment["SLUICE_FUZZ_TARGET"] ?? "gunzip"
    runTarget(target, data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
#else
@main
struct Replay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let target = arguments.first else {
            FileHandle.standardError.write(Data("usage: sluice-fuzz gunzip|lines|plan|fields|gzip|zstd|xz|bzip2|lz4 FILE...\n".utf8))
            exit(2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("sluice-fuzz: cannot read \(path)\n".utf8))
                exit(2)
            }
            runTarget(target, Array(data))
            count += 1
        }
        print("\(target): \(count) inputs passed")
    }
}
#endif
