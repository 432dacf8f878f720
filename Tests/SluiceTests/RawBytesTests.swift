import XCTest
@testable import Sluice

/// ``RawBytes`` gives back the bytes it was given, whatever they are, and leaves valid UTF-8
/// as the standard decoding reads it.
final class RawBytesTests: XCTestCase {
    func testRoundTripOfAnyBytes() {
        var rng = SplitMix(seed: 77)
        let pieces: [[UInt8]] = [[0x61], [0xC3, 0xA9], [0xE9], [0xFF], [0xC0, 0xAF], [0xF4, 0x8F, 0xBE, 0x80],
                                 [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x9F, 0x98], [0xF0, 0x9F, 0x98, 0x80],
                                 [0x80], [0xE2, 0x82], [0x2F], [0x00]]
        for trial in 0..<5000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 0...12, using: &rng) { bytes += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            if trial % 7 == 0 { bytes = (0..<Int.random(in: 0...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) } }
            let s = RawBytes.string(bytes)
            XCTAssertEqual(RawBytes.bytes(s), bytes, "\(bytes)")
            let withNul = RawBytes.withCString(s) { p in Array(UnsafeBufferPointer(start: UnsafeRawPointer(p).assumingMemoryBound(to: UInt8.self), count: strlen(p))) }
            XCTAssertEqual(withNul, Array(bytes.prefix { $0 != 0 }), "\(bytes)")
            if let valid = String(validating: bytes, as: UTF8.self), !RawBytes.holdsRawBytes(valid) {
                XCTAssertEqual(s, valid)
                XCTAssertFalse(RawBytes.holdsRawBytes(s))
            } else {
                XCTAssertTrue(RawBytes.holdsRawBytes(s), "\(bytes)")
            }
        }
    }

    func testKeptBytesAreScalarsOfTheirOwn() {
        let s = RawBytes.string([0x63, 0x61, 0x66, 0xE9])
        XCTAssertEqual(s.unicodeScalars.count, 4)
        XCTAssertEqual(s.unicodeScalars.last.flatMap(RawBytes.rawByte), 0xE9)
        XCTAssertEqual(RawBytes.string(Array("café".utf8)), "café")
    }
}
