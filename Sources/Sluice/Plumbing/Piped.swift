extension AsyncSequence where Element == LineBatch {
    /// The stream as the next command of a shell pipe reads it: the lines as `format` prints
    /// them (the lines themselves when `format` is `nil`), as one unnamed source whose lines are
    /// numbered from 1 and whose byte offsets count the printed text. The sources' end markers
    /// are dropped (their faults pass on as ``LineBatch/isNotice`` markers, in order) and one
    /// end marker closes the stream, so a later `grep -c` or `-m` counts over the whole stream.
    ///
    /// When nothing is printed that differs from the lines, no byte is copied.
    public func piped(printing format: PrintFormat? = nil) -> AsyncPipedSequence<Self> {
        AsyncPipedSequence(base: self, format: format)
    }
}

/// A stream read as through a pipe; see ``_Concurrency/AsyncSequence/piped(printing:)``.
public struct AsyncPipedSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = LineBatch
    public typealias Failure = any Error

    let base: Base
    let format: PrintFormat?

    public func makeAsyncIterator() -> Iterator {
        Iterator(base: base.makeAsyncIterator(), printer: format.map { LinePrinter(format: $0) })
    }

    /// Prints (or restamps) each batch as it comes.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private var printer: LinePrinter?
        private var nextNumber = 1
        private var offset: Int64 = 0
        private var ended = false
        private var pendingNotice: LineBatch?
        /// Printed text after the last LF, waiting for the rest of its line.
        private var carry: [UInt8] = []

        init(base: Base.AsyncIterator, printer: LinePrinter?) {
            self.base = base
            self.printer = printer
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if let notice = pendingNotice { pendingNotice = nil; return notice }
            while !ended {
                guard let batch = try await base.next(isolation: actor) else {
                    ended = true
                    if !carry.isEmpty {
                        pendingNotice = .endOfSource(nil, keepsCarriageReturn: true)
                        defer { carry = [] }
                        return lines(carry)
                    }
                    return .endOfSource(nil, keepsCarriageReturn: true)
                }
                if batch.isNotice { return batch }
                if var printer {
                    let (printed, _) = printer.print(batch)
                    let message = printer.takeMessage()
                    self.printer = printer
                    let notice = batch.asNotice ?? message.map { LineBatch.notice(message: $0, source: batch.sourceName) }
                    // Printed text is split into lines as a pipe's reader splits it: a last
                    // line without LF waits for the text printed after it.
                    var bytes = printed
                    if !carry.isEmpty && !bytes.isEmpty { bytes = carry + bytes; carry = [] }
                    if let end = bytes.lastIndex(of: ByteSearch.newline), end + 1 < bytes.count {
                        carry = Array(bytes[(end + 1)...])
                        bytes.removeSubrange((end + 1)...)
                    } else if !bytes.isEmpty && bytes.last != ByteSearch.newline {
                        carry = bytes
                        bytes = []
                    }
                    guard !bytes.isEmpty else {
                        if let notice { return notice }
                        continue
                    }
                    pendingNotice = notice
                    return lines(bytes)
                }
                if batch.endsSource {
                    if let notice = batch.asNotice { return notice }
                    if batch.binaryMatch { return .notice(message: "\(batch.sourceName ?? "(standard input)"): binary file matches", source: nil) }
                    continue
                }
                guard !batch.isEmpty else { continue }
                let (restamped, printed) = batch.restamped(from: nextNumber, offset: offset)
                nextNumber += batch.lineCount
                offset += printed
                return restamped
            }
            return nil
        }

        /// Whole printed lines (the last may lack its LF only at the end) as the next batch of the stream.
        private mutating func lines(_ bytes: [UInt8]) -> LineBatch {
            var count = bytes.withUnsafeBytes { ByteSearch.count(ByteSearch.newline, in: $0, from: 0, to: $0.count) }
            if bytes.last != ByteSearch.newline { count += 1 }
            let batch = LineBatch(storage: bytes, region: 0..<bytes.count, firstLineNumber: nextNumber, lineCount: count,
                                  firstByteOffset: offset, keepsCarriageReturn: true, sourceName: nil)
            nextNumber += count
            offset += Int64(bytes.count)
            return batch
        }

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncPipedSequence: Sendable where Base: Sendable {}
