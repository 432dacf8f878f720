import Foundation
import XCTest
@testable import Sluice

/// compress(1)'s `.Z` files through `decompressed()`, against `gzip -dc` (which reads them) as
/// the oracle: files written by ncompress at every code width, in block mode and not (`-C`),
/// from empty to several MiB of text and of random bytes (the table fills and, in block mode,
/// is cleared), fed in chunks of 1 byte to 1 MiB; the same files cut short at many offsets (the
/// format has no end marker: what `gzip -dc` decodes of the cut file, no error); damaged codes
/// fail loudly.
final class LzwDecoderTests: XCTestCase {
    private var dir: String!

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/compress") else {
            throw XCTSkip("compress is not installed (Debian ncompress; scripts/install-deps.sh installs it)")
        }
        dir = NSTemporaryDirectory() + "lzw-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let dir { try? FileManager.default.removeItem(atPath: dir) } }

    /// Runs `command` with bash, `input` on standard input; returns standard output and status.
    private func run(_ command: String, input: [UInt8]) throws -> (out: [UInt8], status: Int32) {
        let inPath = dir + "/in", outPath = dir + "/out"
        try Data(input).write(to: URL(fileURLWithPath: inPath))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = ["-c", "\(command) < '\(inPath)' > '\(outPath)' 2>/dev/null"]
        try p.run()
        p.waitUntilExit()
        return (Array(try Data(contentsOf: URL(fileURLWithPath: outPath))), p.terminationStatus)
    }

    private func text(_ size: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix(seed: seed)
        let words = ["sshd[", "Failed password for", "invalid user", "from", "port", "ERROR", "INFO", "10.0.", "kernel:", "é日"]
        var out: [UInt8] = []
        while out.count < size {
            let n = random.next()
            out += Array("Dec \(n % 28 + 1) 10:\(n % 60):\(n / 60 % 60) host \(words[Int(n % 10)])\(n % 9973) \(words[Int(n / 10 % 10)]) \(n % 255)\n".utf8)
        }
        return Array(out.prefix(size))
    }

    private func randomBytes(_ size: Int, seed: UInt64) -> [UInt8] {
        var random = SplitMix(seed: seed)
        return (0..<size).map { _ in UInt8(truncatingIfNeeded: random.next() >> 17) }
    }

    func testFilesWrittenByCompressAtEveryWidth() async throws {
        var inputs: [(String, [UInt8])] = [("empty", []), ("one byte", [0x41]), ("ab", Array("abababababababab\n".utf8))]
        inputs.append(("text 300 KB", text(300_000, seed: 1)))
        inputs.append(("random 200 KB", randomBytes(200_000, seed: 2)))
        inputs.append(("zeros 1 MiB", [UInt8](repeating: 0, count: 1 << 20)))
        // Text, then random bytes (the ratio drops: block mode clears the table), then text.
        inputs.append(("mixed 3 MB", text(1_200_000, seed: 3) + randomBytes(600_000, seed: 4) + text(1_200_000, seed: 5)))
        var checked = 0
        for (label, content) in inputs {
            for flags in ["-b 16", "-b 9", "-b 10", "-b 12", "-b 13", "-b 15", "-C -b 16", "-C -b 11"] {
                if content.count > 400_000 && !["-b 16", "-b 12", "-C -b 16"].contains(flags) { continue }
                let (compressed, status) = try run("compress -c \(flags)", input: content)
                XCTAssertTrue(status == 0 || status == 2, "compress \(flags) on \(label): status \(status)")  // 2: it grew
                XCTAssertEqual(Array(compressed.prefix(2)), [0x1f, 0x9d], "compress \(flags) on \(label)")
                XCTAssertEqual(CompressionCodec.detect(compressed), .compress)
                let oracle = try run("gzip -dc", input: compressed)
                // ncompress's -C (no block mode) still numbers its codes from 257 as block mode
                // does, and its -b 9 is broken too: once a code refers to the table, `gzip -dc`
                // and ncompress's own `uncompress` stop with "corrupt input". There the same
                // output and a failure are expected.
                if !flags.hasPrefix("-C") && flags != "-b 9" {
                    XCTAssertEqual(oracle.status, 0)
                    XCTAssertTrue(oracle.out == content, "gzip -dc of compress \(flags) on \(label): the oracle's own round trip")
                }
                for chunk in [1, 7, 4096, 1 << 20] where chunk >= 4096 || compressed.count <= 40_000 {
                    let (out, error) = await ChunkedBytes(bytes: compressed, size: chunk).decompressed().collect()
                    XCTAssertEqual(error == nil, oracle.status == 0, "compress \(flags) on \(label), chunk \(chunk): \(String(describing: error))")
                    XCTAssertTrue(out == oracle.out, "compress \(flags) on \(label), chunk \(chunk): \(out.count) bytes, gzip -dc gives \(oracle.out.count)")
                    checked += 1
                }
            }
        }
        XCTAssertGreaterThan(checked, 100)
    }

    /// A small output buffer: decoded strings longer than the room left are held and given out
    /// in later calls.
    func testSmallOutputChunks() async throws {
        let content = [UInt8](repeating: 0x61, count: 500_000) + text(100_000, seed: 9)
        let (compressed, _) = try run("compress -c -b 16", input: content)
        var options = DecompressionOptions()
        options.outputSize = 3
        let (out, error) = await ChunkedBytes(bytes: compressed, size: 5000).decompressed(options).collect()
        XCTAssertNil(error)
        XCTAssertTrue(out == content, "\(out.count) bytes, expected \(content.count)")
    }

    func testCutShortGivesWhatGzipGives() async throws {
        let content = text(120_000, seed: 6) + randomBytes(20_000, seed: 7)
        let (compressed, _) = try run("compress -c -b 14", input: content)
        var random = SplitMix(seed: 8)
        var cuts = [3, 4, 5, 12, 13, 14, 15, 16, 17, compressed.count - 1]
        for _ in 0..<40 { cuts.append(3 + Int(random.next() % UInt64(compressed.count - 3))) }
        for cut in cuts {
            let piece = Array(compressed.prefix(cut))
            let oracle = try run("gzip -dc", input: piece)
            let (out, error) = await ChunkedBytes(bytes: piece, size: cut % 2 == 0 ? 4096 : 1 << 20).decompressed().collect()
            XCTAssertNil(error, "cut at \(cut)")
            XCTAssertTrue(out == oracle.out, "cut at \(cut): \(out.count) bytes, gzip -dc gives \(oracle.out.count)")
            XCTAssertTrue(content.starts(with: out), "cut at \(cut): not a prefix of the content")
        }
        // The magic number alone, or without its flags byte: cut short.
        for piece: [UInt8] in [[0x1f, 0x9d]] {
            let (_, error) = await ChunkedBytes(bytes: piece, size: 1).decompressed().collect()
            XCTAssertNotNil(error, "\(piece)")
        }
    }

    func testDamagedCodesFailLoudly() async throws {
        // Block mode, 16 bits; the first code is 300 (a string not defined yet).
        let firstCodeTooLarge: [UInt8] = [0x1f, 0x9d, 0x90, 0x2c, 0x01]
        var (out, error) = await ChunkedBytes(bytes: firstCodeTooLarge, size: 4096).decompressed().collect()
        XCTAssertEqual(out, [])
        XCTAssertTrue("\(error.map { "\($0)" } ?? "")".contains("corrupt compress input"), "\(String(describing: error))")
        // 'a' (0x61), then code 400 (beyond the next free code, 257).
        let undefined: [UInt8] = [0x1f, 0x9d, 0x90, 0x61, 0x20, 0x03]
        (out, error) = await ChunkedBytes(bytes: undefined, size: 4096).decompressed().collect()
        XCTAssertEqual(out, [0x61])
        XCTAssertNotNil(error)
        XCTAssertEqual(try run("gzip -dc", input: undefined).status, 1, "gzip -dc refuses it too")
        // A width over 16 bits.
        (out, error) = await ChunkedBytes(bytes: [0x1f, 0x9d, 0x91, 0x61, 0x00], size: 4096).decompressed().collect()
        XCTAssertTrue("\(error.map { "\($0)" } ?? "")".contains("17-bit"), "\(String(describing: error))")
    }
}
