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
}
