import Foundation
import XCTest
@testable import Sluice

/// Line-aligned splits against a naive oracle of Hadoop's `LineRecordReader` rule (a split of
/// `s ..< e` owns the lines that start in `s+1 ... e`, and the one at byte 0 if `s` is 0): on
/// seeded random files (empty lines, long lines, CR, no final LF, empty files), for N = 1...16 and
/// more, with --split-bytes ranges, at several chunk sizes; BGZF and multi-frame zstd (with and
/// without a seek table) split at members and frames; plain gzip as one split.
final class InputSplitTests: XCTestCase {
    /// The bytes of the lines that a split of `s ..< e` owns, found line by line.
    static func oracle(_ data: [UInt8], _ s: Int, _ e: Int) -> [UInt8] {
        var out: [UInt8] = []
        var p = 0
        while p < data.count {
            var q = p
            while q < data.count && data[q] != 0x0A { q += 1 }
            q = Swift.min(data.count, q + 1)
            if (p == 0 && s == 0 && e > 0) || (s < p && p <= e) { out += data[p..<q] }
            p = q
        }
        return out
    }

    /// A random log: lines of 0 to `longest` bytes, some with CR, maybe no final LF.
    static func randomFile(_ rng: inout some RandomNumberGenerator, longest: Int) -> [UInt8] {
        var data: [UInt8] = []
        let lines = Int.random(in: 0...40, using: &rng)
        for _ in 0..<lines {
            let length = [0, 0, 1, 2, 7, 30, longest].randomElement(using: &rng)!
            for _ in 0..<length { data.append([0x61, 0x62, 0x20, 0x0D, 0x7A].randomElement(using: &rng)!) }
            data.append(0x0A)
        }
        if Bool.random(using: &rng), !data.isEmpty { data.removeLast() }
        return data
    }

    private var directory: URL!

    override func setUpWithError() throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("sluice-split-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func read(_ path: String, _ split: InputSplit, chunkSize: Int = 4096) async throws -> [UInt8] {
        let (bytes, error) = await FileChunks.split(path: path, split, chunkSize: chunkSize).collect()
        if let error { throw error }
        return bytes
    }

    func testEveryPartAgainstTheOracle() async throws {
        var rng = SplitMix(seed: 19)
        for round in 0..<16 {
            let data = Self.randomFile(&rng, longest: round % 2 == 0 ? 300 : 5000)
            let path = try write(data, "r\(round).log")
            for n in Array(1...16) + (round < 3 ? [23, 50] : []) {
                var whole: [UInt8] = []
                for i in 1...n {
                    let s = data.count * (i - 1) / n, e = data.count * i / n
                    XCTAssertEqual(InputSplit.part(i, of: n).byteRange(fileSize: Int64(data.count)), Int64(s) ..< Int64(e))
                    let part = try await read(path, .part(i, of: n), chunkSize: [3, 64, 4096][(round + i) % 3])
                    XCTAssertEqual(part, Self.oracle(data, s, e), "round \(round), split \(i)/\(n) of \(data.count) bytes")
                    whole += part
                }
                XCTAssertEqual(whole, data, "round \(round): the \(n) splits concatenated are the file")
            }
        }
    }

    func testByteRangesAgainstTheOracle() async throws {
        var rng = SplitMix(seed: 7)
        for round in 0..<30 {
            let data = Self.randomFile(&rng, longest: 200)
            let path = try write(data, "b\(round).log")
            for _ in 0..<20 {
                let offset = Int.random(in: 0...(data.count + 5), using: &rng), length = Int.random(in: 0...(data.count + 5), using: &rng)
                let part = try await read(path, .bytes(offset: Int64(offset), length: Int64(length)), chunkSize: 3)
                let s = Swift.min(offset, data.count), e = Swift.min(offset + length, data.count)
                XCTAssertEqual(part, Self.oracle(data, s, e), "\(offset):\(length) of \(data.count) bytes")
            }
            // Cuts at random places, as an engine hands them out, cover the file once.
            var cuts = (0..<Int.random(in: 0...6, using: &rng)).map { _ in Int.random(in: 0...data.count, using: &rng) }
            cuts = ([0] + cuts + [data.count]).sorted()
            var whole: [UInt8] = []
            for (a, b) in zip(cuts, cuts.dropFirst()) { whole += try await read(path, .bytes(offset: Int64(a), length: Int64(b - a))) }
            XCTAssertEqual(whole, data)
        }
    }

    func testEdgeCases() async throws {
        let empty = try write([], "empty.log")
        for n in 1...4 { for i in 1...n { let out = try await read(empty, .part(i, of: n)); XCTAssertEqual(out, []) } }
        // A line that starts exactly at a boundary belongs to the split before (Hadoop 2+).
        let data = Array("aaa\nbbb\nccc\n".utf8)
        let path = try write(data, "three.log")
        var part = try await read(path, .bytes(offset: 0, length: 4))
        XCTAssertEqual(part, Array("aaa\nbbb\n".utf8))
        part = try await read(path, .bytes(offset: 4, length: 8))
        XCTAssertEqual(part, Array("ccc\n".utf8))
        part = try await read(path, .bytes(offset: 3, length: 1))
        XCTAssertEqual(part, Array("bbb\n".utf8))
        part = try await read(path, .bytes(offset: 0, length: 0))
        XCTAssertEqual(part, [])
        // One line longer than every split: the first split reads it all, the others nothing.
        let long = [UInt8](repeating: 0x78, count: 100_000) + [0x0A]
        let longPath = try write(long, "long.log")
        for i in 1...8 {
            part = try await read(longPath, .part(i, of: 8), chunkSize: 1000)
            XCTAssertEqual(part, i == 1 ? long : [])
        }
        // Sizes whose products overflow 64 bits still divide exactly.
        let hugeSize = Int64.max / 2
        let parts = (1...7).map { InputSplit.part($0, of: 7).byteRange(fileSize: hugeSize) }
        XCTAssertEqual(parts.first?.lowerBound, 0)
        XCTAssertEqual(parts.last?.upperBound, hugeSize)
        for (a, b) in zip(parts, parts.dropFirst()) { XCTAssertEqual(a.upperBound, b.lowerBound) }
        for part in parts { XCTAssertTrue([hugeSize / 7, hugeSize / 7 + 1].contains(part.upperBound - part.lowerBound)) }
        XCTAssertEqual(InputSplit.bytes(offset: 10, length: Int64.max).byteRange(fileSize: 100), 10 ..< 100)
        XCTAssertEqual(InputSplit.part(2, of: 5).description, "2/5")
        XCTAssertEqual(InputSplit.bytes(offset: 10, length: 20).description, "10:20")
    }

    func testInputFilesOption() async throws {
        var rng = SplitMix(seed: 3)
        let data = Self.randomFile(&rng, longest: 100)
        let path = try write(data, "in.log")
        var whole: [UInt8] = []
        for i in 1...5 {
            var options = InputFiles.Options()
            options.split = .part(i, of: 5)
            var lines = 0
            for try await batch in InputFiles([path], options: options, onError: { XCTFail("\($0)") }).lineBatches(keepCarriageReturn: true) {
                for line in batch { whole += line.bytes + [0x0A]; lines += 1 }
            }
        }
        let expected = data.isEmpty || data.last == 0x0A ? data : data + [0x0A]
        XCTAssertEqual(whole, expected)
        // A pipe cannot be split: a loud error, not the whole input.
        let (_, error) = await FileChunks.split(path: "/dev/null", .part(1, of: 2)).collect()
        XCTAssertEqual(error as? SluiceError, .io(path: "/dev/null", operation: "split", errno: ESPIPE))
    }

    func testBGZFSplitsAtMembers() async throws {
        let path = fixture("gzip/bgzip.gz")
        let expected = fixtureBytes("gzip/bgzip.expected")
        let layout = try FileSplit.layout(of: path)
        XCTAssertEqual(layout.codec, "bgzf")
        let starts = try XCTUnwrap(layout.starts)
        XCTAssertGreaterThan(starts.count, 2)
        for n in [1, 2, 3, 4, 7, 16] {
            var whole: [UInt8] = []
            for i in 1...n { whole += try await read(path, .part(i, of: n), chunkSize: 5) }
            XCTAssertEqual(whole, expected, "BGZF in \(n) splits")
        }
        // Ranges that start at each member boundary, and the planner's splits.
        var whole: [UInt8] = []
        for (a, b) in zip(starts, starts.dropFirst().map { $0 } + [layout.size]) { whole += try await read(path, .bytes(offset: a, length: b - a)) }
        XCTAssertEqual(whole, expected)
        whole = []
        for split in try FileSplit.plan(path: path, targetSize: 1000) {
            let bytes = try await read(path, .bytes(offset: split.offset, length: split.length))
            let same = try await read(path, .part(split.index, of: split.count))
            XCTAssertEqual(bytes, same, "\(split)")
            whole += bytes
        }
        XCTAssertEqual(whole, expected)
    }

    func testPlainGzipIsOneSplit() async throws {
        for name in ["three-members", "single"] {
            let path = fixture("gzip/\(name).gz")
            XCTAssertEqual(try FileSplit.layout(of: path).codec, "gzip")
            XCTAssertEqual(try FileSplit.plan(path: path, targetSize: 10).count, 1)
            for i in 1...3 {
                let part = try await read(path, .part(i, of: 3))
                XCTAssertEqual(part, i == 1 ? fixtureBytes("gzip/\(name).expected") : [], "\(name) \(i)/3")
            }
        }
    }

    /// Frames made by the library's encoder, cut at places that are not line ends.
    private func zstdFrames(_ data: [UInt8], cuts: [Int]) async throws -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for (a, b) in zip([0] + cuts, cuts + [data.count]) {
            let (frame, error) = await ChunkedBytes(bytes: Array(data[a..<b]), size: 1 << 20, emptyEvery: 0).zstd(level: 1).collect()
            XCTAssertNil(error)
            frames.append(frame)
        }
        return frames
    }

    func testZstdSplitsAtFramesAndReadsTheSeekTable() async throws {
        var rng = SplitMix(seed: 11)
        var data: [UInt8] = []
        while data.count < 300_000 { data += Self.randomFile(&rng, longest: 3000) + [0x0A] }
        let cuts = [1, 777, 40_000, 40_001, 150_000, 200_000, 299_000]
        let frames = try await zstdFrames(data, cuts: cuts)
        let plainPath = try write(frames.flatMap { $0 }, "multi.zst")
        // The seekable format's table: a skippable frame of (compressed, decompressed) sizes and a footer.
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func seekTable(_ entries: [(Int, Int)]) -> [UInt8] {
            let body = entries.flatMap { le32($0.0) + le32($0.1) } + le32(entries.count) + [0] + le32(0x8F92_EAB1)
            return le32(0x184D_2A5E) + le32(body.count) + body
        }
        let sizes = zip(frames, zip([0] + cuts, cuts + [data.count])).map { ($0.count, $1.1 - $1.0) }
        let seekablePath = try write(frames.flatMap { $0 } + seekTable(sizes), "seekable.zst")
        // A table that lists the frames two by two (each entry covers two real frames) shows
        // that the table, not the frame walk, is read when present.
        let paired = stride(from: 0, to: sizes.count, by: 2).map { i in (sizes[i].0 + sizes[i + 1].0, sizes[i].1 + sizes[i + 1].1) }
        let pairedPath = try write(frames.flatMap { $0 } + seekTable(paired), "paired.zst")
        var starts: [Int64] = [0]
        for frame in frames.dropLast() { starts.append(starts.last! + Int64(frame.count)) }
        XCTAssertEqual(try FileSplit.layout(of: plainPath).starts, starts)
        XCTAssertEqual(try FileSplit.layout(of: seekablePath).starts, starts)
        XCTAssertEqual(try FileSplit.layout(of: pairedPath).starts, stride(from: 0, to: starts.count, by: 2).map { starts[$0] })
        for path in [plainPath, seekablePath, pairedPath] {
            for n in [1, 2, 3, 5, 8, 16] {
                var whole: [UInt8] = []
                for i in 1...n { whole += try await read(path, .part(i, of: n), chunkSize: 333) }
                XCTAssertEqual(whole, data, "\(path) in \(n) splits")
            }
        }
    }
}
