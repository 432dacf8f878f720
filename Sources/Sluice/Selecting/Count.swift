extension AsyncSequence where Element == LineBatch {
    /// The number of lines in the stream. Batches know their line count, so this reads no bytes.
    public func count() async throws -> Int {
        var total = 0
        for try await batch in self { total += batch.lineCount }
        return total
    }
}
