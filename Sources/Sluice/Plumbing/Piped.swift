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

        init(base: Base.AsyncIterator, printer: LinePrinter?) {
            self.base = base
            self.printer = printer
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> LineBatch? {
            if let notice = pendingNotice { pendingNotice = nil; return notice }
            while !ended {
                guard let batch = try await base.next(isolation: actor) else {
                    ended = true
                    return .endOfSource(nil, keepsCarriageReturn: true)
                }
                if batch.isNotice { return batch }
                if var printer {
                    // A printer ends every line it prints with LF: each batch prints whole lines.
                    let (bytes, _) = printer.print(batch)
                    self.printer = printer
                    let notice = batch.asNotice
                    guard !bytes.isEmpty else {
                        if let notice { return notice }
                        continue
                    }
                    let count = bytes.withUnsafeBytes { ByteSearch.count(ByteSearch.newline, in: $0, from: 0, to: $0.count) }
                    let lines = LineBatch(storage: bytes, region: 0..<bytes.count, firstLineNumber: nextNumber, lineCount: count,
                                          firstByteOffset: offset, keepsCarriageReturn: true, sourceName: nil)
                    nextNumber += count
                    offset += Int64(bytes.count)
                    pendingNotice = notice
                    return lines
                }
                if batch.endsSource {
                    if let notice = batch.asNotice { return notice }
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

        public mutating func next() async throws -> LineBatch? { try await next(isolation: nil) }
    }
}

extension AsyncPipedSequence: Sendable where Base: Sendable {}
