import Foundation
import XCTest
@testable import Sluice

/// `decompressed()` against each codec's own tool (`zstd`, `xz`, `bzip2`, `lz4`, `gzip`): the
/// tool writes the streams (levels, options, concatenations) and its `-dc` output is the
/// oracle; faults (truncation, flipped bytes, bad checksums, trailing garbage, bombs, windows
/// too large) are asserted exactly; ISA-L and zlib are compared byte for byte.
final class DecompressTests: XCTestCase {
    /// A codec's tool and the option sets its streams are written with.
    struct Tool {
        let codec: CompressionCodec
        let name: String
        let variants: [String]
        /// Options for the large inputs (slow levels left out).
        let largeVariants: [String]
    }

    static let tools = [
        Tool(codec: .zstd, name: "zstd", variants: ["-1", "-3", "-19", "--no-check", "-3 --format=zstd -C", "--ultra -22", "-1 --long=24"],
             largeVariants: ["-1", "-3 --no-check", "-9"]),
        Tool(codec: .xz, name: "xz", variants: ["-0", "-1", "-6", "-9e", "--check=none", "--check=crc32", "--check=sha256", "--format=lzma -6",
                                                "--format=lzma --lzma1=preset=1,lc=0,lp=2,pb=0", "-1 --block-size=4096"],
             largeVariants: ["-0", "-1 --block-size=65536", "--format=lzma -1"]),
        Tool(codec: .bzip2, name: "bzip2", variants: ["-1", "-9"], largeVariants: ["-1", "-9"]),
        Tool(codec: .lz4, name: "lz4", variants: ["-1", "-9", "--no-frame-crc", "-BX", "-BD", "-B4", "--content-size", "-l", "-l -12", "-12 -BD -BX"],
             largeVariants: ["-1", "-9 --no-frame-crc", "-B4 -BD", "-l"]),
        Tool(codec: .gzip, name: "gzip", variants: ["-1", "-6", "-9"], largeVariants: ["-1", "-9"]),
    ]

    /// Content sizes from empty to a few MiB; the last ones use `largeVariants`.
    static let sizes = [0, 1, 100, 5_000, 70_000, 3 << 20]

    // MARK: Differential

    /// Every tool, every option set, every size: the decoded bytes equal the tool's `-dc`
    /// output (and the original) at chunk sizes 1, 7, 4096 and 1 MiB.
    func testStreamsWrittenByEachTool() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for tool in Self.tools {
            for size in Self.sizes {
                let content = logText(size, seed: size)
                for variant in size >= 1 << 20 ? tool.largeVariants : tool.variants {
                    let compressed = try compress(content, "\(tool.name) \(variant)", dir: dir)
                    XCTAssertEqual(CompressionCodec.detect(compressed.prefix(CompressionCodec.longestMagic)), tool.codec, "\(tool.name) \(variant)")
                    let oracle = try toolDecode(compressed, tool.name, dir: dir)
                    XCTAssertEqual(oracle, content, "\(tool.name) \(variant) \(size): the tool's own round trip")
                    for chunk in [1, 7, 4096, 1 << 20] where chunk >= 4096 || compressed.count <= (chunk == 1 ? 3_000 : 60_000) {
                        let (out, error) = await ChunkedBytes(bytes: compressed, size: chunk).decompressed().collect()
                        XCTAssertNil(error, "\(tool.name) \(variant) size \(size) chunk \(chunk)")
                        XCTAssertTrue(out == oracle, "\(tool.name) \(variant) size \(size) chunk \(chunk): \(out.count) bytes, expected \(oracle.count)")
                    }
                }
            }
        }
    }

    /// Concatenated files (`cat a.zst b.zst`), multi-stream xz with stream padding, bzip2
    /// multi-stream, zstd skippable frames anywhere (also first), lz4 frames with and without
    /// content checksums and lz4 skippable frames: the tool's `-dc` output of the whole.
    func testConcatenationsAsTheToolsRead() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let a = logText(40_000, seed: 1), b = logText(3, seed: 2), c = logText(90_000, seed: 3)
        let skippable: [UInt8] = [0x5a, 0x2a, 0x4d, 0x18, 5, 0, 0, 0] + Array("hello".utf8)
        let emptySkippable: [UInt8] = [0x50, 0x2a, 0x4d, 0x18, 0, 0, 0, 0]
        var cases: [(String, CompressionCodec, [UInt8])] = []
        for tool in Self.tools {
            let parts = try [a, b, [], c].enumerated().map { index, part in
                try compress(part, "\(tool.name) \(tool.variants[index % tool.variants.count])", dir: dir)
            }
            cases.append(("\(tool.name) four streams", tool.codec, parts.joined().map { $0 }))
        }
        let zstdA = try compress(a, "zstd -3", dir: dir), zstdC = try compress(c, "zstd -1 --no-check", dir: dir)
        cases.append(("zstd skippable first", .zstd, skippable + zstdA + emptySkippable + zstdC + skippable))
        cases.append(("zstd only a skippable frame", .zstd, skippable))
        let xzA = try compress(a, "xz -1", dir: dir), xzC = try compress(c, "xz -0 --check=crc32", dir: dir)
        cases.append(("xz stream padding", .xz, xzA + [0, 0, 0, 0] + xzC + [0, 0, 0, 0, 0, 0, 0, 0]))
        let lz4A = try compress(a, "lz4 -1", dir: dir), lz4C = try compress(c, "lz4 --no-frame-crc -BD", dir: dir)
        cases.append(("lz4 checksum and not, skippable between", .lz4, lz4A + skippable + lz4C + emptySkippable))
        for (name, codec, bytes) in cases {
            let oracle = try toolDecode(bytes, codec == .gzip ? "gzip" : codec.rawValue, dir: dir)
            XCTAssertGreaterThanOrEqual(oracle.count, name.hasPrefix("zstd only") ? 0 : 40_000, name)
            for chunk in [1, 7, 4096, 1 << 20] where chunk != 1 || bytes.count < 20_000 {
                let warnings = WarningLog()
                let (out, error) = await ChunkedBytes(bytes: bytes, size: chunk).decompressed(onWarning: { warnings.add($0) }).collect()
                XCTAssertNil(error, "\(name) chunk \(chunk)")
                XCTAssertEqual(warnings.count, 0, "\(name) chunk \(chunk)")
                XCTAssertTrue(out == oracle, "\(name) chunk \(chunk): \(out.count) bytes, expected \(oracle.count)")
            }
        }
    }

    /// Two small streams split into two chunks at every offset: the chunk boundary falls in
    /// every magic number, header, block, checksum and stream boundary.
    func testTwoStreamsSplitAtEveryOffset() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = logText(700, seed: 9)
        for tool in Self.tools {
            let bytes = try compress(text, "\(tool.name) \(tool.variants[0])", dir: dir) + compress(Array(text.prefix(5)), "\(tool.name) \(tool.variants.last!)", dir: dir)
            let oracle = try toolDecode(bytes, tool.name, dir: dir)
            for split in 0...bytes.count {
                let (out, error) = await SplitBytes(parts: [Array(bytes[..<split]), Array(bytes[split...])]).decompressed().collect()
                XCTAssertNil(error, "\(tool.name) split at \(split)")
                XCTAssertTrue(out == oracle, "\(tool.name) split at \(split)")
            }
        }
    }

    // MARK: Faults

    /// A two-stream file cut at many offsets: a cut on the stream boundary is a shorter valid
    /// file, a cut inside the magic number leaves input that is not compressed (passed
    /// through), and any other cut outputs a prefix of the content, then `truncated` at exactly
    /// the cut, naming the codec. The tool agrees that the cut files are damaged.
    func testTruncationAtManyOffsets() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = logText(30_000, seed: 4), second = logText(20_000, seed: 5)
        for tool in Self.tools {
            let one = try compress(first, "\(tool.name) \(tool.variants[0])", dir: dir)
            let whole = one + (try compress(second, "\(tool.name) \(tool.variants[0])", dir: dir))
            let content = first + second
            let magicLength = tool.codec == .bzip2 ? 10 : tool.codec == .xz ? 6 : tool.codec == .gzip ? 2 : 4
            let step = Swift.max(1, whole.count / 150)
            var cuts = Array(stride(from: 0, to: whole.count, by: step)) + Array(0..<12) + [one.count - 1, one.count, one.count + 1, whole.count - 1]
            cuts = Array(Set(cuts)).sorted()
            for cut in cuts {
                let input = Array(whole[..<cut])
                let (out, error) = await ChunkedBytes(bytes: input, size: cut % 3 == 0 ? 1 << 20 : 4096).decompressed().collect()
                if cut == one.count {
                    XCTAssertNil(error, "\(tool.name) cut on the stream boundary")
                    XCTAssertEqual(out, first)
                } else if cut < magicLength {
                    XCTAssertNil(error, "\(tool.name) cut \(cut) inside the magic number")
                    XCTAssertEqual(out, input)
                } else {
                    XCTAssertTrue(out == Array(content.prefix(out.count)), "\(tool.name) cut \(cut): output is not a prefix")
                    let expected: SluiceError = tool.codec == .gzip ? .truncatedGzip(path: nil, offset: Int64(cut))
                        : .truncatedInput(path: nil, codec: tool.codec, offset: Int64(cut))
                    XCTAssertEqual(error as? SluiceError, expected, "\(tool.name) cut \(cut)")
                    if cut % 10 == 1 { XCTAssertFalse(try toolAccepts(input, tool.name, dir: dir), "\(tool.name) accepts the cut at \(cut)?") }
                }
            }
            // A cut in the last bytes: everything before the end of the last block was output.
            let (out, _) = await ChunkedBytes(bytes: Array(whole.dropLast(1)), size: 4096).decompressed().collect()
            XCTAssertGreaterThanOrEqual(out.count, first.count, tool.name)
        }
    }

    /// Bytes flipped throughout a stream: either an error (with the codec and an offset inside
    /// the input), or, only where the tool also accepts the damaged stream, the tool's very
    /// output (or the bytes unchanged where the flip broke the magic number).
    func testFlippedBytes() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(20_000, seed: 6)
        for tool in Self.tools {
            let whole = try compress(content, "\(tool.name) \(tool.variants[0])", dir: dir)
            var detected = 0
            for position in stride(from: 0, to: whole.count, by: Swift.max(1, whole.count / 60)) + [whole.count - 1] {
                var damaged = whole
                damaged[position] ^= 0x5A
                let (out, error) = await ChunkedBytes(bytes: damaged, size: 512).decompressed().collect()
                if let error {
                    detected += 1
                    let failure = error as? SluiceError
                    switch failure?.kind {
                    case .corrupt?:
                        XCTAssertEqual(failure?.codec, tool.codec)
                        if tool.codec != .gzip { XCTAssertFalse((failure?.reason ?? "").isEmpty) }
                        XCTAssert((0...Int64(whole.count)).contains(failure?.offset ?? -1), "\(tool.name) flip at \(position): offset \(String(describing: failure?.offset))")
                    case .truncated?:
                        XCTAssertEqual(failure?.codec, tool.codec)
                        XCTAssertEqual(failure?.offset, Int64(whole.count))
                    default:
                        XCTFail("\(tool.name) flip at \(position): \(error)")
                    }
                } else if CompressionCodec.detect(damaged.prefix(CompressionCodec.longestMagic)) == nil {
                    XCTAssertEqual(out, damaged, "a broken magic number: not compressed, passed through")
                } else {
                    // Accepted: the tool must accept it too, with the same output.
                    let oracle = try? toolDecode(damaged, tool.name, dir: dir)
                    XCTAssertNotNil(oracle, "\(tool.name) flip at \(position): accepted, but the tool refuses it")
                    if let oracle { XCTAssertTrue(out == oracle, "\(tool.name) flip at \(position): accepted with other output") }
                }
            }
            XCTAssertGreaterThan(detected, 40, tool.name)
        }
    }

    /// A bad content checksum (zstd `-C`, lz4's content checksum), or a damaged xz block end
    /// (CRC-64, SHA-256): an error near the end, naming the codec.
    func testBadChecksums() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(10_000, seed: 7)
        for (command, codec, fromEnd) in [("zstd -3 -C", CompressionCodec.zstd, 1), ("lz4 -1", .lz4, 1), ("xz -1 --check=crc64", .xz, 40),
                                         ("xz -1 --check=sha256", .xz, 50)] {
            var bytes = try compress(content, command, dir: dir)
            bytes[bytes.count - fromEnd] ^= 0x01
            XCTAssertFalse(try toolAccepts(bytes, codec.rawValue, dir: dir), command)
            let (out, error) = await ChunkedBytes(bytes: bytes, size: 4096).decompressed().collect()
            guard let failure = error as? SluiceError, failure.kind == .corrupt, let c = failure.codec, let offset = failure.offset, let reason = failure.reason else { XCTFail("\(command): \(String(describing: error))"); continue }
            XCTAssertEqual(c, codec)
            // libzstd and liblz4 check the frame's checksum in the call that decodes its last
            // block and then report no output for that call: what comes out is a prefix.
            if codec != .xz { XCTAssertTrue(out == Array(content.prefix(out.count)), command) }
            XCTAssertGreaterThan(offset, Int64(bytes.count / 2), "\(command): \(reason)")
        }
    }

    /// Bytes after the last stream, as each codec's tool reads them: for gzip zeros are
    /// ignored silently (`gzip -dc`), for xz zeros are stream padding when a multiple of 4
    /// bytes and an error otherwise (`xz -dc`); any other bytes (zeros too for zstd, bzip2 and
    /// lz4, whose tools refuse or warn about them) are not output and are reported once, with
    /// their offset, size and the codec.
    func testTrailingBytesAsEachToolReadsThem() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(5_000, seed: 8)
        for tool in Self.tools {
            let stream = try compress(content, "\(tool.name) \(tool.variants[0])", dir: dir)
            let zerosIgnored = tool.codec == .gzip || tool.codec == .xz
            for tail in [[UInt8](repeating: 0, count: 1000), Array("garbage\n".utf8), [0, 0, 0x41], [0, 0, 0, 0, 0x41], [0, 0, 0]] {
                let toolAccepts = try toolAccepts(stream + tail, tool.name, dir: dir)
                for chunk in [1, 4096] {
                    let warnings = WarningLog()
                    let (out, error) = await ChunkedBytes(bytes: stream + tail, size: chunk).decompressed(onWarning: { warnings.add($0) }).collect()
                    XCTAssertTrue(out == content, tool.name)
                    let zeros = tail.prefix { $0 == 0 }.count
                    if tool.codec == .xz && zeros > 0 && zeros % 4 != 0 {
                        // Padding of 2 or 3 bytes: xz says the data is corrupt.
                        XCTAssertFalse(toolAccepts)
                        XCTAssertEqual(error as? SluiceError, .corruptInput(path: nil, codec: .xz, offset: Int64(stream.count + zeros),
                                                                             reason: "stream padding of \(zeros) bytes, not a multiple of 4"), "\(tail)")
                        XCTAssertEqual(warnings.count, 0)
                        continue
                    }
                    XCTAssertNil(error, tool.name)
                    let start = zerosIgnored ? stream.count + zeros : stream.count
                    if start < stream.count + tail.count {
                        XCTAssertEqual(warnings.all, [DecompressionWarning(offset: Int64(start), byteCount: Int64(stream.count + tail.count - start), codec: tool.codec)],
                                       "\(tool.name) \(tail)")
                        // The tools refuse or warn: gzip exits 2 ("trailing garbage ignored"), bzip2 warns.
                        if tool.codec != .bzip2 && tool.codec != .gzip { XCTAssertFalse(toolAccepts, "\(tool.name) \(tail)") }
                    } else {
                        XCTAssertEqual(warnings.count, 0, tool.name)
                        XCTAssertTrue(toolAccepts, "\(tool.name) \(tail)")
                    }
                }
            }
        }
    }

    // MARK: Fixtures

    /// Every case of `Fixtures/codecs` (hand-built zstd and lz4 streams, xz, .lzma and bzip2
    /// from Python's modules) at chunk sizes 1, 7 and 4096: exactly the expected bytes (or a
    /// prefix of them where the manifest says so), then the manifest's outcome: no error, one
    /// warning at its offset, or the error of its kind at its offset; the tool agrees on the
    /// ok cases.
    func testCodecFixtures() async throws {
        struct Fault: Decodable { let kind: String?; let offset: Int64?; let count: Int64?; let prefix: Bool? }
        struct Entry: Decodable { let file: String; let expected: String; let outcome: String; let codec: String; let fault: Fault? }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fixture("codecs/manifest.json")))
        let entries = try JSONDecoder().decode([Entry].self, from: data)
        XCTAssertGreaterThanOrEqual(entries.count, 17)
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for entry in entries {
            let bytes = fixtureBytes("codecs/" + entry.file), expected = fixtureBytes("codecs/" + entry.expected)
            let codec = try XCTUnwrap(CompressionCodec(rawValue: entry.codec))
            if entry.outcome == "ok" { XCTAssertEqual(try toolDecode(bytes, codec.rawValue, dir: dir), expected, entry.file) }
            for chunk in [1, 7, 4096] {
                let warnings = WarningLog()
                let (out, error) = await ChunkedBytes(bytes: bytes, size: chunk).decompressed(onWarning: { warnings.add($0) }).collect()
                let name = "\(entry.file) chunk \(chunk)"
                if entry.fault?.prefix == true {
                    XCTAssertTrue(out == Array(expected.prefix(out.count)), name)
                } else {
                    XCTAssertTrue(out == expected, "\(name): \(out.count) bytes, expected \(expected.count)")
                }
                switch entry.outcome {
                case "ok":
                    XCTAssertNil(error, name)
                    XCTAssertEqual(warnings.count, 0, name)
                case "warning":
                    XCTAssertNil(error, name)
                    XCTAssertEqual(warnings.all, [DecompressionWarning(offset: entry.fault!.offset!, byteCount: entry.fault!.count!, codec: codec)], name)
                default:
                    let failure = error as? SluiceError
                    XCTAssertEqual(failure?.codec, codec, name)
                    XCTAssertEqual(failure.map { "\($0.kind)" }, entry.fault?.kind, name)
                    if let offset = entry.fault?.offset { XCTAssertEqual(failure?.offset, offset, name) }
                }
            }
        }
    }

    // MARK: Other formats and writers

    /// lz4's legacy format (`lz4 -l`): 8 MiB blocks (a 20 MiB input has three), concatenated
    /// with frames, legacy streams and skippable frames in any order, at several chunk sizes;
    /// cut at a block boundary it is a shorter valid file (as `lz4 -dc` reads it), cut inside
    /// a block it is truncated at the cut; bytes after it that are no block are trailing garbage.
    func testLz4LegacyFormat() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let big = Array([[UInt8]](repeating: logText(1 << 20, seed: 21), count: 20).joined()) + logText(1000, seed: 22)
        let small = logText(30_000, seed: 23)
        let legacyBig = try compress(big, "lz4 -q -l", dir: dir), legacySmall = try compress(small, "lz4 -q -l", dir: dir)
        XCTAssertEqual(Array(legacyBig.prefix(4)), [0x02, 0x21, 0x4c, 0x18])
        let frame = try compress(small, "lz4 -q -BD", dir: dir)
        let skippable: [UInt8] = [0x5f, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]
        let cases: [(String, [UInt8])] = [
            ("big", legacyBig), ("legacy legacy", legacySmall + legacySmall), ("legacy frame legacy", legacySmall + frame + legacySmall),
            ("skippable legacy", skippable + legacySmall), ("frame skippable legacy", frame + skippable + legacyBig),
            ("empty", try compress([], "lz4 -q -l", dir: dir)),
        ]
        for (name, bytes) in cases {
            let oracle = try toolDecode(bytes, "lz4", dir: dir)
            for chunk in [7, 4096, 1 << 20] where chunk > 7 || bytes.count < 100_000 {
                let warnings = WarningLog()
                let (out, error) = await ChunkedBytes(bytes: bytes, size: chunk).decompressed(onWarning: { warnings.add($0) }).collect()
                XCTAssertNil(error, "\(name) chunk \(chunk)")
                XCTAssertEqual(warnings.count, 0, name)
                XCTAssertTrue(out == oracle, "\(name) chunk \(chunk): \(out.count) bytes, expected \(oracle.count)")
            }
        }
        // Block boundaries of the small stream: after the magic number, each block is a size and its bytes.
        var boundaries = [4], at = 4
        while at < legacySmall.count {
            at += 4 + Int(legacySmall[at]) | Int(legacySmall[at + 1]) << 8 | Int(legacySmall[at + 2]) << 16
            boundaries.append(at)
        }
        XCTAssertEqual(boundaries.last, legacySmall.count)
        for cut in Set(Array(stride(from: 4, to: legacySmall.count, by: 997)) + boundaries + [5, 7, 9]).sorted() {
            let input = Array(legacySmall[..<cut])
            let (out, error) = await ChunkedBytes(bytes: input, size: 4096).decompressed().collect()
            XCTAssertTrue(out == Array(small.prefix(out.count)), "cut \(cut)")
            if boundaries.contains(cut) {
                XCTAssertNil(error, "cut \(cut) on a block boundary")
                XCTAssertEqual(out, try toolDecode(input, "lz4", dir: dir), "cut \(cut)")
            } else {
                XCTAssertEqual(error as? SluiceError, .truncatedInput(path: nil, codec: .lz4, offset: Int64(cut)), "cut \(cut)")
                XCTAssertFalse(try toolAccepts(input, "lz4", dir: dir), "cut \(cut)")
            }
        }
        for (tail, warned) in [(Array("junk".utf8), 4), (Array("junk and more\n".utf8), 14), ([0x04, 0x22, 0x4d], -1)] {
            let warnings = WarningLog()
            let (out, error) = await ChunkedBytes(bytes: legacySmall + tail, size: 3).decompressed(onWarning: { warnings.add($0) }).collect()
            XCTAssertTrue(out == small, "\(tail)")
            if warned < 0 {
                XCTAssertEqual(error as? SluiceError, .truncatedInput(path: nil, codec: .lz4, offset: Int64(legacySmall.count + tail.count)))
            } else {
                XCTAssertNil(error)
                XCTAssertEqual(warnings.all, [DecompressionWarning(offset: Int64(legacySmall.count), byteCount: Int64(warned), codec: .lz4)])
            }
        }
    }

    /// A skippable frame (zstd's and lz4's form) before any data: what follows is zstd or lz4,
    /// whichever it is (an lz4 frame after one was once taken as trailing bytes of zstd); a
    /// skippable frame cut short is a truncated input; anything else after one is trailing bytes.
    func testSkippableFramesBeforeEitherCodec() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(50_000, seed: 24)
        let skippable: [UInt8] = [0x50, 0x2a, 0x4d, 0x18, 6, 0, 0, 0] + Array("abcdef".utf8)
        for (tool, command) in [("lz4", "lz4 -q"), ("lz4", "lz4 -q -l"), ("zstd", "zstd -q -3")] {
            let stream = try compress(content, command, dir: dir)
            let bytes = skippable + skippable + stream + skippable
            XCTAssertEqual(try toolDecode(bytes, tool, dir: dir), content, command)
            for chunk in [1, 5, 4096] where chunk > 1 || command.hasPrefix("zstd") {
                let (out, error) = await ChunkedBytes(bytes: bytes, size: chunk).decompressed().collect()
                XCTAssertNil(error, "\(command) chunk \(chunk)")
                XCTAssertTrue(out == content, "\(command) chunk \(chunk)")
            }
        }
        for cut in 1..<skippable.count where cut >= 4 {
            let (out, error) = await ChunkedBytes(bytes: Array(skippable.prefix(cut)), size: 3).decompressed().collect()
            XCTAssertEqual(out, [])
            XCTAssertEqual(error as? SluiceError, .truncatedInput(path: nil, codec: .zstd, offset: Int64(cut)), "cut \(cut)")
        }
        let warnings = WarningLog()
        let (out, error) = await ChunkedBytes(bytes: skippable + Array("plain\n".utf8), size: 4096).decompressed(onWarning: { warnings.add($0) }).collect()
        XCTAssertNil(error)
        XCTAssertEqual(out, [])
        XCTAssertEqual(warnings.all, [DecompressionWarning(offset: Int64(skippable.count), byteCount: 6, codec: .zstd)])
    }

    /// The formats `xz -dc` reads besides .xz: legacy `.lzma` (told by its header, which has no
    /// magic number) and lzip (when `lzip` is installed: members, multi-member files); cut
    /// short, each is truncated; text and binary bytes that only start like an `.lzma` header
    /// pass through.
    func testLzmaAndLzip() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(200_000, seed: 25)
        var writers = ["xz --format=lzma -0", "xz --format=lzma -9", "xz --format=lzma --lzma1=dict=12KiB"]
        if (try? toolOutput("command -v lzip")) != nil { writers += ["lzip -0", "lzip -9", "lzip -0 -b 100000"] }
        for command in writers {
            let stream = try compress(content, command, dir: dir)
            XCTAssertEqual(CompressionCodec.detect(stream.prefix(CompressionCodec.longestMagic)), .xz, command)
            let decoder = command.hasPrefix("lzip") ? "lzip" : "xz"
            XCTAssertEqual(try toolDecode(stream, decoder, dir: dir), content, command)
            for chunk in [1, 4096, 1 << 20] where chunk > 1 || stream.count < 30_000 {
                let (out, error) = await ChunkedBytes(bytes: stream, size: chunk).decompressed().collect()
                XCTAssertNil(error, "\(command) chunk \(chunk)")
                XCTAssertTrue(out == content, "\(command) chunk \(chunk)")
            }
            for cut in [13, 20, stream.count / 2, stream.count - 1] {
                let (out, error) = await ChunkedBytes(bytes: Array(stream.prefix(cut)), size: 4096).decompressed().collect()
                XCTAssertTrue(out == Array(content.prefix(out.count)), "\(command) cut \(cut)")
                XCTAssertEqual(error as? SluiceError, .truncatedInput(path: nil, codec: .xz, offset: Int64(cut)), "\(command) cut \(cut)")
            }
            // Bytes after the stream are named after its own format, not xz's.
            let warnings = WarningLog()
            let (after, afterError) = await ChunkedBytes(bytes: stream + Array("garbage".utf8), size: 4096)
                .decompressed(onWarning: { warnings.add($0) }).collect()
            XCTAssertNil(afterError, command)
            XCTAssertTrue(after == content, command)
            XCTAssertEqual(warnings.all.map(\.description), ["7 trailing bytes after \(decoder == "lzip" ? "lzip" : "lzma") data at byte \(stream.count) ignored"], command)
            if decoder == "lzip" {
                let twice = stream + stream
                let (out, error) = await ChunkedBytes(bytes: twice, size: 4096).decompressed().collect()
                XCTAssertNil(error)
                XCTAssertTrue(out == (try toolDecode(twice, "lzip", dir: dir)), "\(command) twice")
            }
        }
        let lookalikes: [[UInt8]] = [[0x5d, 0, 0, 0x80], [0x5d, 0, 0, 0x80, 0, 0xff], [0x5d, 0, 0, 0x81, 0] + [UInt8](repeating: 0xff, count: 8) + [1, 2],
                                     [0x5d, 0, 0, 0x80, 0] + [UInt8](repeating: 0x41, count: 8), [0xe1, 0, 0, 0x80, 0] + [UInt8](repeating: 0xff, count: 8),
                                     [0x5d] + Array("hello world".utf8), Array("]\0 not lzma\n".utf8)]
        for bytes in lookalikes {
            XCTAssertNil(CompressionCodec.detect(bytes.prefix(CompressionCodec.longestMagic)), "\(bytes)")
            for chunk in [1, 4096] {
                let (out, error) = await ChunkedBytes(bytes: bytes, size: chunk).decompressed().collect()
                XCTAssertNil(error)
                XCTAssertEqual(out, bytes)
            }
        }
    }

    /// Streams from the other writers of each format, as their tools' `-dc` read them: pigz
    /// (default, `-i` independent blocks, 4 threads with small blocks, `-11` zopfli), bgzip
    /// (BGZF, with and without its EOF block), pbzip2 and lbzip2 (multi-stream; lbzip2 waits
    /// for SIGUSR2 between its threads and never ends when started with it blocked, as this
    /// test's threads (Dispatch's) have it: it is started with an empty signal mask), zstd with
    /// threads and long windows up to the limit, xz with threads (several blocks).
    func testOtherWriters() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(3 << 20, seed: 26)
        let writers: [(String, String)] = [("pigz", "gzip"), ("pigz -i", "gzip"), ("pigz -p 4 -b 32", "gzip"), ("bgzip", "gzip"),
                                           ("pbzip2 -p2", "bzip2"), (Self.unblocked + " lbzip2 -n 2", "bzip2"), ("zstd -q -T0 -3", "zstd"),
                                           ("zstd -q -T2 --long=27 -1", "zstd"), ("xz -T2 -0 --block-size=500000", "xz"),
                                           ("lz4 -q -B5 -BD", "lz4"), ("lz4 -q -B6 --content-size", "lz4"), ("lz4 -q -B7", "lz4")]
        for (command, decoder) in writers {
            let tool = command.hasPrefix(Self.unblocked) ? "lbzip2" : command.split(separator: " ")[0]
            guard (try? toolOutput("command -v \(tool)")) != nil else { continue }
            var stream = try compress(content, command, dir: dir)
            if command == "bgzip" {
                XCTAssertEqual(Array(stream.suffix(28).prefix(4)), [0x1f, 0x8b, 0x08, 0x04], "the EOF block")
                stream.removeLast(28)
            }
            let oracle = try toolDecode(stream, decoder, dir: dir)
            XCTAssertEqual(oracle, content, command)
            let (out, error) = await ChunkedBytes(bytes: stream, size: 1 << 20).decompressed().collect()
            XCTAssertNil(error, command)
            XCTAssertTrue(out == oracle, command)
        }
        let small = logText(1000, seed: 27)
        if (try? toolOutput("command -v pigz")) != nil {
            let zopfli = try compress(small, "pigz -11", dir: dir)
            let (out, error) = await ChunkedBytes(bytes: zopfli, size: 100).decompressed().collect()
            XCTAssertNil(error)
            XCTAssertEqual(out, small)
        }
    }

    /// zstd frames the decoder cannot read say why: a window larger than the limit (`zstd
    /// --long=30`: 1 GiB), and a dictionary (`zstd -D`), named by its ID; the tool refuses both too.
    func testZstdFramesThatCannotBeRead() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(300_000, seed: 28)
        let long = try compress(content, "zstd -q -1 --long=30", dir: dir)
        XCTAssertFalse(try toolAccepts(long, "zstd", dir: dir))
        let (out, error) = await ChunkedBytes(bytes: long, size: 4096).decompressed().collect()
        XCTAssertEqual(out, [])
        XCTAssertEqual((error as? SluiceError)?.reason, "the frame needs a 1 GiB window, larger than the 128 MiB limit (written with zstd --long)")
        var samples: [String] = []
        for k in 0..<40 {
            let path = dir + "/sample\(k)"
            XCTAssert(FileManager.default.createFile(atPath: path, contents: Data(logText(2000, seed: 100 + k))))
            samples.append(path)
        }
        _ = try toolOutput("zstd -q --train \(samples.joined(separator: " ")) --maxdict=4096 --dictID=4242 -o \(dir)/dict")
        let withDictionary = try compress(content, "zstd -q -D \(dir)/dict", dir: dir)
        XCTAssertFalse(try toolAccepts(withDictionary, "zstd", dir: dir))
        let (none, failure) = await ChunkedBytes(bytes: withDictionary, size: 4096).decompressed().collect()
        XCTAssertEqual(none, [])
        XCTAssertEqual((failure as? SluiceError)?.reason, "the frame was compressed with dictionary 4242 (zstd -D), which sluice cannot use")
        XCTAssertEqual((failure as? SluiceError)?.codec, .zstd)
    }

    /// 1 GiB of zeros in each format (16 streams of 64 MiB, each written by the tool) decode
    /// in chunks of at most the output size (an lz4 frame's block size for lz4), with the process's peak memory flat.
    func testZeroBombsInBoundedChunks() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zeros = dir + "/zeros"
        XCTAssert(FileManager.default.createFile(atPath: zeros, contents: Data(count: 64 << 20)))
        for tool in Self.tools {
            let one = try toolOutput("\(tool.name) \(tool.largeVariants[0]) -c < \(zeros)")
            let bomb = Array([[UInt8]](repeating: one, count: 16).joined())
            let before = peakResidentBytes()
            var total = 0, largest = 0
            for try await chunk in ChunkedBytes(bytes: bomb, size: 64 << 10, emptyEvery: 0).decompressed() {
                total += chunk.count
                largest = max(largest, chunk.count)
                XCTAssert(chunk.first == 0 && chunk.last == 0, tool.name)
            }
            XCTAssertEqual(total, 1 << 30, tool.name)
            // lz4 frames come in chunks of their block size (4 MiB by default), decoded in place.
            XCTAssertLessThanOrEqual(largest, tool.codec == .lz4 ? 4 << 20 : 256 << 10, tool.name)
            if !runningUnderSanitizer { XCTAssertLessThan(peakResidentBytes() - before, 32 << 20, tool.name) }
        }
    }

    /// A zstd frame declaring a 1 GiB window, and an xz stream whose LZMA2 dictionary is 1 GiB
    /// (headers patched; xz's block header CRC-32 recomputed), are refused under the 128 MiB
    /// default limit with an error that says so, as the tools refuse them under that limit; a
    /// larger limit decodes them.
    func testWindowsLargerThanTheLimit() async throws {
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let content = logText(50_000, seed: 10)
        let input = write(content, dir: dir)
        var zstd = try toolOutput("cat \(input) | zstd -q -3 -c")
        XCTAssertEqual(zstd[4], 0x04, "no single segment, no content size: a window descriptor follows")
        zstd[5] = 20 << 3  // window log 10 + 20
        var xz = try toolOutput("cat \(input) | xz -T1 -1 -c")
        let headerSize = (Int(xz[12]) + 1) * 4
        XCTAssertEqual(Array(xz[14...15]), [0x21, 0x01], "one LZMA2 filter, no sizes")
        xz[16] = 36  // 2 << (36 / 2 + 11): 1 GiB
        let crc = crc32(Array(xz[12..<(12 + headerSize - 4)]))
        for k in 0..<4 { xz[12 + headerSize - 4 + k] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(k))) }
        for (bytes, codec, limited, unlimited) in [(zstd, CompressionCodec.zstd, "zstd -dc --memory=128MB", "zstd -dc --memory=2048MB"),
                                                   (xz, .xz, "xz -dc --memlimit=128MiB", "xz -dc")] {
            let path = write(bytes, dir: dir)
            XCTAssertNil(try? toolOutput("\(limited) < \(path)"), "\(limited) accepts it")
            XCTAssertEqual(try toolOutput("\(unlimited) < \(path)"), content, unlimited)
            let (out, error) = await ChunkedBytes(bytes: bytes, size: 4096).decompressed().collect()
            XCTAssertEqual(out, [])
            guard let failure = error as? SluiceError, failure.kind == .corrupt, let c = failure.codec, let reason = failure.reason else { XCTFail("\(codec): \(String(describing: error))"); continue }
            XCTAssertEqual(c, codec)
            XCTAssertTrue(reason.contains("128 MiB limit"), reason)
            var options = DecompressionOptions()
            options.memoryLimit = 2 << 30
            let (allowed, noError) = await ChunkedBytes(bytes: bytes, size: 4096).decompressed(options).collect()
            XCTAssertNil(noError, "\(codec)")
            XCTAssertTrue(allowed == content, "\(codec)")
        }
    }

    /// CRC-32 (the gzip and xz polynomial), bit by bit: the oracle for the patched header.
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    // MARK: Detection

    /// The codec comes from the magic number only: plain text (also text that starts like a
    /// magic number) passes through at every chunk size, and with detection off compressed
    /// bytes pass through too.
    func testDetectionByMagicBytesOnly() async throws {
        let plain: [[UInt8]] = [Array("BZh9 is not bzip2 without a block magic\n".utf8), Array("BZh".utf8), [0x28, 0xb5, 0x2f],
                                [0xfd, 0x37, 0x7a, 0x58, 0x5a], [0x04, 0x22], Array("hello\n".utf8), [], [0x50, 0x2a, 0x4d]]
        for bytes in plain {
            XCTAssertNil(CompressionCodec.detect(bytes))
            for chunk in [1, 2, 4096] {
                let (out, error) = await ChunkedBytes(bytes: bytes, size: chunk).decompressed().collect()
                XCTAssertNil(error)
                XCTAssertEqual(out, bytes)
            }
        }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let zst = try compress(logText(1000, seed: 1), "zstd -3", dir: dir)
        var off = DecompressionOptions()
        off.enabled = false
        let (out, _) = await ChunkedBytes(bytes: zst, size: 100).decompressed(off).collect()
        XCTAssertEqual(out, zst)
        var gzipOnly = DecompressionOptions()
        gzipOnly.codecs = [.gzip]
        let (same, _) = await ChunkedBytes(bytes: zst, size: 100).decompressed(gzipOnly).collect()
        XCTAssertEqual(same, zst)
    }

    // MARK: ISA-L and zlib

    /// Every gzip fixture and tool-written stream inflates to the same bytes, with the same
    /// outcome, with ISA-L and with zlib, at several chunk sizes.
    func testIsalAndZlibAgree() async throws {
        struct Entry: Decodable { let file: String; let expected: String; let outcome: String }
        let data = try XCTUnwrap(FileManager.default.contents(atPath: fixture("gzip/manifest.json")))
        var inputs: [(String, [UInt8])] = try JSONDecoder().decode([Entry].self, from: data).filter { $0.file.hasSuffix(".gz") }
            .map { ($0.file, fixtureBytes("gzip/" + $0.file)) }
        let dir = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = logText(300_000, seed: 11)
        for command in ["gzip -1", "gzip -9", "pigz -p 2", "bgzip"] where (try? toolOutput("command -v \(command.split(separator: " ")[0])")) != nil {
            inputs.append((command, try compress(text, command, dir: dir)))
        }
        let whole = try compress(text, "gzip -6", dir: dir)
        for cut in stride(from: 5, to: whole.count, by: whole.count / 20) { inputs.append(("cut at \(cut)", Array(whole[..<cut]))) }
        for position in stride(from: 20, to: whole.count, by: whole.count / 20) {
            var damaged = whole
            damaged[position] ^= 0x21
            inputs.append(("flip at \(position)", damaged))
        }
        for (name, bytes) in inputs {
            for chunk in [1, 7, 4096, 1 << 20] where chunk > 7 || bytes.count < 50_000 {
                let isal = await ChunkedBytes(bytes: bytes, size: chunk).gunzip(inflater: .isal, onWarning: { _ in }).collect()
                let zlib = await ChunkedBytes(bytes: bytes, size: chunk).gunzip(inflater: .zlib, onWarning: { _ in }).collect()
                XCTAssertTrue(isal.bytes == zlib.bytes || (isal.error != nil && zlib.error != nil), "\(name) at \(chunk): \(isal.bytes.count) and \(zlib.bytes.count) bytes")
                let (a, b) = (isal.error as? SluiceError, zlib.error as? SluiceError)
                switch (a?.kind, b?.kind) {
                case (nil, nil) where isal.error == nil && zlib.error == nil: break
                case (.truncated?, .truncated?): XCTAssertEqual(a?.offset, b?.offset, name)
                case (.corrupt?, .corrupt?): break
                default: XCTFail("\(name) at \(chunk): \(String(describing: isal.error)) and \(String(describing: zlib.error))")
                }
                if name.hasPrefix("cut") {
                    // Cut short, both output a prefix of the content.
                    XCTAssertTrue(isal.bytes == Array(text.prefix(isal.bytes.count)), name)
                }
            }
        }
    }

    // MARK: Helpers

    /// Log-like lines (with some binary bytes) of exactly `size` bytes.
    func logText(_ size: Int, seed: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(size + 200)
        var x = UInt64(seed &+ 1) &* 0x9E37_79B9_7F4A_7C15
        var n = 0
        while out.count < size {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            n += 1
            let line = "Dec  1 10:\(n % 60):\(x % 60) host sshd[\(x % 9973)]: Failed password for user\(x % 31) from 10.\(x % 255).\(n % 255).1 port \(x % 65535)\n"
            out += Array(line.utf8)
            if x % 97 == 0 { out += [0x00, 0xff, 0x1f, 0x8b, 0x0a] }
        }
        return Array(out.prefix(size))
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "sluice-codecs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func write(_ bytes: [UInt8], dir: String) -> String {
        let path = dir + "/" + UUID().uuidString
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    /// The standard output of a shell command; throws when it fails.
    func toolOutput(_ command: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        let out = NSTemporaryDirectory() + "sluice-tool-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: out) }
        process.arguments = ["-c", "(\(command)) > \(out) 2>/dev/null"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw SluiceError.io(path: command, operation: "run", errno: process.terminationStatus) }
        return Array(FileManager.default.contents(atPath: out) ?? Data())
    }

    /// Runs the command after it with no signal blocked (a test's thread blocks most of them).
    static let unblocked = "python3 -c 'import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, set()); os.execvp(sys.argv[1], sys.argv[1:])'"

    func compress(_ bytes: [UInt8], _ command: String, dir: String) throws -> [UInt8] {
        let input = write(bytes, dir: dir)
        defer { try? FileManager.default.removeItem(atPath: input) }
        return try toolOutput("\(command) -c < \(input)")
    }

    func toolDecode(_ bytes: [UInt8], _ tool: String, dir: String) throws -> [UInt8] {
        let input = write(bytes, dir: dir)
        defer { try? FileManager.default.removeItem(atPath: input) }
        return try toolOutput("\(tool) -dc < \(input)")
    }

    func toolAccepts(_ bytes: [UInt8], _ tool: String, dir: String) throws -> Bool {
        (try? toolDecode(bytes, tool, dir: dir)) != nil
    }
}
