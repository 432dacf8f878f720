extension AsyncSequence where Element == LineBatch {
    /// The number of lines in the stream. Batches know their line count, so this reads no bytes.
    public func count() async throws -> Int {
        var total = 0
        for try await batch in self { total += batch.lineCount }
        return total
    }
}

extension AsyncSequence where Element == LineBatch {
    /// The number of lines as output, `N` and a line feed (as `wc -l` prints it), once the
    /// stream ends. Faults carried in the stream (``LineBatch/failure``) are handed to
    /// `statistics` as they pass, each with an empty chunk, so that they are reported in order.
    public func countPrinted(statistics: PrintStatistics = PrintStatistics()) -> AsyncCountPrintedSequence<Self> {
        AsyncCountPrintedSequence(base: self, statistics: statistics)
    }
}

/// The line count as output bytes; see ``_Concurrency/AsyncSequence/countPrinted(statistics:)``.
public struct AsyncCountPrintedSequence<Base: AsyncSequence>: AsyncSequence where Base.Element == LineBatch {
    public typealias Element = [UInt8]
    public typealias Failure = any Error

    let base: Base
    let statistics: PrintStatistics

    public func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), statistics: statistics) }

    /// Counts, then yields the one line.
    public struct Iterator: AsyncIteratorProtocol {
        private var base: Base.AsyncIterator
        private let statistics: PrintStatistics
        private var total = 0
        private var done = false
        private var pendingError: (any Error)?

        init(base: Base.AsyncIterator, statistics: PrintStatistics) {
            self.base = base
            self.statistics = statistics
        }

        public mutating func next(isolation actor: isolated (any Actor)?) async throws -> [UInt8]? {
            guard !done else {
                // As `| wc -l` of a writer that failed: the count of what came, then the fault.
                if let error = pendingError { pendingError = nil; throw error }
                return nil
            }
            do {
                while let batch = try await base.next(isolation: actor) {
                    total += batch.lineCount
                    if let failure = batch.failure {
                        statistics.addFailure(failure)
                        return []
                    }
                }
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                pendingError = error
            }
            done = true
            return Array("\(total)\n".utf8)
        }

        public mutating func next() async throws -> [UInt8]? { try await next(isolation: nil) }
    }
}

extension AsyncCountPrintedSequence: Sendable where Base: Sendable {}
