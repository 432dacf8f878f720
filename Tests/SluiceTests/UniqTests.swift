import Foundation
import XCTest
@testable import Sluice

/// `uniq`: against an oracle that groups the lines first (GNU uniq's rules, written per group
/// rather than as its loop), at chunk sizes that cut runs across batches.
final class UniqTests: XCTestCase {
    /// A stream of given batches (lines and markers), for marker order.
    struct Batches: AsyncSequence, Sendable {
        typealias Element = LineBatch
        typealias Failure = any Error
        let batches: [LineBatch]
        func makeAsyncIterator() -> Iterator { Iterator(batches: batches) }
        struct Iterator: AsyncIteratorProtocol {
            let batches: [LineBatch]
            var index = 0
            mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
                guard index < batches.count else { return nil }
                defer { index += 1 }
                return batches[index]
            }
            mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
        }
    }

    /// The key GNU uniq compares: fields, then bytes skipped, at most `-w` bytes, folded for `-i`.
    func key(_ line: [UInt8], _ o: UniqOptions) -> [UInt8] {
        var i = 0
        for _ in 0..<o.skippedFields {
            while i < line.count && (line[i] == 32 || line[i] == 9) { i += 1 }
            while i < line.count && !(line[i] == 32 || line[i] == 9) { i += 1 }
        }
        i = min(line.count, i + o.skippedBytes)
        var k = Array(line[i..<min(line.count, i + (o.comparedBytes ?? line.count))])
        if o.ignoresCase { k = k.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 } }
        return k
    }

    /// What uniq prints, group by group.
    func oracle(_ lines: [[UInt8]], _ o: UniqOptions) -> [[UInt8]] {
        var groups: [[[UInt8]]] = []
        for line in lines {
            if let last = groups.last?.first, key(last, o) == key(line, o) { groups[groups.count - 1].append(line) } else { groups.append([line]) }
        }
        var out: [[UInt8]] = []
        var repeatedGroupSeen = false
        func counted(_ line: [UInt8], _ n: Int) -> [UInt8] {
            o.counts ? Array(String(n).leftPadded(7).utf8) + [32] + line : line
        }
        for group in groups {
            if group.count == 1 {
                if o.printsUnique { out.append(counted(group[0], 1)) }
                continue
            }
            if o.groupDelimiter == .prepend || (o.groupDelimiter == .separate && repeatedGroupSeen) { out.append([]) }
            repeatedGroupSeen = true
            if o.printsLaterRepeated {
                out += group.dropLast()
                if o.printsFirstRepeated { out.append(group.last!) }
            } else if o.printsFirstRepeated {
                out.append(counted(group[0], group.count))
            }
        }
        return out
    }

    func testAgainstAGroupingOracleAcrossBatches() async throws {
        var rng = SplitMix(seed: 20261203)
        let alphabet: [[UInt8]] = [[97], [65], [98], [32], [9], Array("x y".utf8), [0xC3, 0xA9], [0xFF], [13]]
        var kinds: [UniqOptions] = [UniqOptions(), .repeated, .unique, .allRepeated]
        var counted = UniqOptions(); counted.counts = true; kinds.append(counted)
        var countedRepeated = UniqOptions.repeated; countedRepeated.counts = true; kinds.append(countedRepeated)
        var prepend = UniqOptions.allRepeated; prepend.groupDelimiter = .prepend; kinds.append(prepend)
        var separate = UniqOptions.allRepeated; separate.groupDelimiter = .separate; kinds.append(separate)
        var neither = UniqOptions.repeated; neither.printsFirstRepeated = false; kinds.append(neither)
        for round in 0..<300 {
            let pool: [[UInt8]] = (0..<Int.random(in: 1...4, using: &rng)).map { _ in (0..<Int.random(in: 0...5, using: &rng)).flatMap { _ in alphabet[Int.random(in: 0...alphabet.count - 1, using: &rng)] } }
            let lines: [[UInt8]] = (0..<Int.random(in: 0...40, using: &rng)).map { _ in pool[Int.random(in: 0...pool.count - 1, using: &rng)] }
            var o = kinds[round % kinds.count]
            if Int.random(in: 0...2, using: &rng) == 0 { o.ignoresCase = true }
            if Int.random(in: 0...3, using: &rng) == 0 { o.skippedFields = Int.random(in: 0...2, using: &rng) }
            if Int.random(in: 0...3, using: &rng) == 0 { o.skippedBytes = Int.random(in: 0...3, using: &rng) }
            if Int.random(in: 0...3, using: &rng) == 0 { o.comparedBytes = Int.random(in: 0...3, using: &rng) }
            let text: [UInt8] = lines.flatMap { $0 + [10] }
            let expected: [UInt8] = oracle(lines, o).flatMap { $0 + [10] }
            for size in [1, 5, 64, 4096] {
                let got = await ChunkedBytes(bytes: text, size: size).lineBatches(keepCarriageReturn: true).uniq(o)
                    .printed(PrintFormat()).collect()
                XCTAssertNil(got.error)
                XCTAssertEqual(got.bytes, expected, "round \(round), chunks of \(size), \(o), lines \(lines)")
            }
        }
    }

    /// A fault in the stream comes after the output of the run open when it came, and a run
    /// that goes on after it is not cut in two.
    func testMarkersWaitForTheOpenRun() async throws {
        func batch(_ text: String) -> LineBatch {
            let bytes = Array(text.utf8)
            return LineBatch(storage: bytes, region: bytes.indices, firstLineNumber: 1,
                             lineCount: bytes.filter { $0 == 10 }.count, firstByteOffset: 0,
                             keepsCarriageReturn: true, sourceName: nil)
        }
        let fault = SluiceError.truncatedGzip(path: "a.gz", offset: 7)
        var counted = UniqOptions(); counted.counts = true
        var seen: [String] = []
        for try await b in Batches(batches: [batch("x\ny\n"), .notice(fault, source: "a.gz"), batch("y\nz\n")]).uniq(counted) {
            if b.isNotice { seen.append("notice") } else { seen += b.map { String($0) } }
        }
        XCTAssertEqual(seen, ["      1 x", "      2 y", "notice", "      1 z"])
        // Printing each run's first line as it comes, the notice keeps its place.
        seen = []
        for try await b in Batches(batches: [batch("x\ny\n"), .notice(fault, source: "a.gz"), batch("y\nz\n")]).uniq() {
            if b.isNotice { seen.append("notice") } else { seen += b.map { String($0) } }
        }
        XCTAssertEqual(seen, ["x", "y", "notice", "z"])
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
