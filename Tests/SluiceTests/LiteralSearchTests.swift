import XCTest
@testable import Sluice

/// The vectorised literal search against a naive one, on random haystacks over a small alphabet
/// (many near-misses), at every start offset near the 16- and 32-byte block edges.
final class LiteralSearchTests: XCTestCase {
    func naive(_ hay: [UInt8], _ needle: [UInt8], from: Int, caseless: Bool) -> Int? {
        func fold(_ b: UInt8) -> UInt8 { caseless && b >= 0x41 && b <= 0x5A ? b + 32 : b }
        guard needle.count <= hay.count - from else { return needle.isEmpty ? from : nil }
        for i in from...(hay.count - needle.count) where (0..<needle.count).allSatisfy({ fold(hay[i + $0]) == fold(needle[$0]) }) {
            return i
        }
        return nil
    }

    func testAgreesWithNaiveSearch() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abAB xy:".utf8)
        for trial in 0..<3000 {
            let hay = (0..<Int.random(in: 0...200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let needle = (0..<Int.random(in: 1...6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let caseless = trial % 2 == 0
            let searcher = LiteralSearcher(needle, caseless: caseless)
            let from = hay.isEmpty ? 0 : Int.random(in: 0...hay.count, using: &rng)
            let got = hay.withUnsafeBytes { searcher.find(in: $0, from: from, to: hay.count) }
            XCTAssertEqual(got, naive(hay, needle, from: from, caseless: caseless),
                           "needle \(needle) in \(hay) from \(from) caseless \(caseless)")
        }
    }

    /// Longer haystacks (up to 1,200 bytes: several 64-byte double blocks and the tails after
    /// them) and needles up to 20 bytes, hits rare or frequent, every search from a random start.
    func testAgreesWithNaiveSearchOnLongHaystacks() {
        var rng = SplitMix(seed: 64)
        for trial in 0..<3000 {
            let alphabet = trial % 3 == 0 ? Array("ab".utf8) : Array("abcdefghAB .:-0123456789xyz".utf8)
            let needle = (0..<Int.random(in: 2...20, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            var hay = (0..<Int.random(in: 0...1200, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            // Plant a few copies (or near-copies, one byte off) of the needle.
            for _ in 0..<Int.random(in: 0...3, using: &rng) where hay.count >= needle.count {
                let at = Int.random(in: 0...(hay.count - needle.count), using: &rng)
                hay.replaceSubrange(at..<(at + needle.count), with: needle)
                if Bool.random(using: &rng) { hay[at + Int.random(in: 0..<needle.count, using: &rng)] = 0x21 }
            }
            let caseless = trial % 2 == 1
            let searcher = LiteralSearcher(needle, caseless: caseless)
            let from = Int.random(in: 0...hay.count, using: &rng)
            let got = hay.withUnsafeBytes { searcher.find(in: $0, from: from, to: hay.count) }
            XCTAssertEqual(got, naive(hay, needle, from: from, caseless: caseless), "trial \(trial)")
        }
    }

    func testFindsMatchesAtEveryPositionOfALongBuffer() {
        let needle = Array("Failed password".utf8)
        for caseless in [false, true] {
            let searcher = LiteralSearcher(caseless ? Array("fAILED PASSWORD".utf8) : needle, caseless: caseless)
            for position in 0..<100 {
                var hay = [UInt8](repeating: 0x2E, count: 140)
                hay.replaceSubrange(position..<(position + needle.count), with: needle)
                XCTAssertEqual(hay.withUnsafeBytes { searcher.find(in: $0, from: 0, to: hay.count) }, position)
                XCTAssertNil(hay.withUnsafeBytes { searcher.find(in: $0, from: position + 1, to: hay.count) })
            }
        }
    }

    /// The one-pass line count and NUL check against a naive count: random lengths around the
    /// 16- and 32-byte blocks and the 255-round sums (up to 40 KB), a NUL at every position of
    /// short buffers, none, or several, at every start offset near a block edge.
    func testLineCountAndNulAgreeWithNaiveScan() {
        var rng = SplitMix(seed: 13)
        for trial in 0..<2000 {
            let length = trial < 1000 ? Int.random(in: 0...300, using: &rng) : Int.random(in: 8000...40_000, using: &rng)
            var bytes = (0..<length).map { _ in Int.random(in: 0..<9, using: &rng) == 0 ? UInt8(0x0A) : UInt8(0x61) }
            if length > 0 && trial % 3 != 0 {
                for _ in 0..<Int.random(in: 1...3, using: &rng) { bytes[Int.random(in: 0..<length, using: &rng)] = 0 }
            }
            let from = length == 0 ? 0 : Int.random(in: 0...Swift.min(length, 40), using: &rng)
            let to = length - (length - from == 0 ? 0 : Int.random(in: 0...Swift.min(length - from, 40), using: &rng))
            let got = bytes.withUnsafeBytes { ByteSearch.countLines(in: $0, from: from, to: to) }
            let slice = bytes[from..<to]
            XCTAssertEqual(got.count, slice.filter { $0 == 0x0A }.count, "trial \(trial)")
            XCTAssertEqual(got.hasNul, slice.contains(0), "trial \(trial)")
        }
        for length in [1, 15, 16, 17, 31, 32, 33, 64, 100] {
            for position in 0..<length {
                var bytes = [UInt8](repeating: 0x0A, count: length)
                bytes[position] = 0
                let got = bytes.withUnsafeBytes { ByteSearch.countLines(in: $0, from: 0, to: length) }
                XCTAssertEqual(got.count, length - 1)
                XCTAssertTrue(got.hasNul, "length \(length), NUL at \(position)")
            }
        }
    }
}
