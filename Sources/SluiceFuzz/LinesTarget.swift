import Sluice

/// The line splitter on arbitrary bytes. The first byte chooses the chunk size, whether CR is
/// kept and a small line limit. Invariants: the lines, numbers and offsets equal those of a
/// plain split of the whole input; a line over the limit ends the stream with `lineTooLong`
/// for exactly that line, after every line before it.
enum LinesTarget {
    static func run(_ input: [UInt8]) {
        guard let first = input.first else { return }
        let data = Array(input.dropFirst())
        let chunkSize = Int(first & 0x1f) + 1
        let keepCR = first & 0x20 != 0
        let limit = first & 0x40 != 0 ? 8 : 1 << 20
        let expected = oracle(data, keepCR: keepCR)
        blocking {
            var index = 0
            var failure: (any Error)?
            do {
                for try await line in MemoryChunks(bytes: data, size: chunkSize)
                    .lines(keepCarriageReturn: keepCR, maxLineLength: limit) {
                    check(index < expected.count, "more lines than the input has")
                    let want = expected[index]
                    check(line.bytes == want.bytes, "line \(index + 1) differs")
                    check(line.number == index + 1, "line \(index + 1) numbered \(line.number)")
                    check(line.byteOffset == Int64(want.offset), "line \(index + 1) at offset \(line.byteOffset), not \(want.offset)")
                    index += 1
                }
            } catch { failure = error }
            if let tooLong = expected.firstIndex(where: { $0.fullLength > limit }) {
                check(index == tooLong, "stopped after \(index) lines, the long one is line \(tooLong + 1)")
                guard let error = failure as? SluiceError, error.kind == .lineTooLong, let number = error.lineNumber, let offset = error.offset else {
                    return check(false, "no lineTooLong error: \(String(describing: failure))")
                }
                check(number == tooLong + 1 && offset == Int64(expected[tooLong].offset), "error names line \(number) at \(offset)")
            } else {
                check(failure == nil, "unexpected error \(failure!)")
                check(index == expected.count, "\(index) lines, expected \(expected.count)")
            }
        }
    }

    struct ExpectedLine {
        let bytes: [UInt8]
        let offset: Int
        /// The line's length with its CR, which the limit applies to.
        let fullLength: Int
    }

    static func oracle(_ data: [UInt8], keepCR: Bool) -> [ExpectedLine] {
        var lines: [ExpectedLine] = []
        var start = 0
        for (i, byte) in data.enumerated() where byte == 0x0A {
            lines.append(line(data, start, i, keepCR))
            start = i + 1
        }
        if start < data.count { lines.append(line(data, start, data.count, keepCR)) }
        return lines
    }

    static func line(_ data: [UInt8], _ start: Int, _ end: Int, _ keepCR: Bool) -> ExpectedLine {
        var content = Array(data[start..<end])
        let full = content.count
        if !keepCR && content.last == 0x0D { content.removeLast() }
        return ExpectedLine(bytes: content, offset: start, fullLength: full)
    }
}
