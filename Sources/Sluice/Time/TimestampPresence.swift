/// Whether a source's lines carry timestamps that a ``LogTime`` reads, for the stages that
/// group lines by time (``_Concurrency/AsyncSequence/since(_:parser:)``, ``_Concurrency/AsyncSequence/until(_:parser:stop:)``,
/// ``_Concurrency/AsyncSequence/grepRecords(_:parser:options:)``).
///
/// Lines before a source's first timestamp are a prefix without a time; a log in a format the
/// parser does not read is that prefix to its end, and a time window or a record over it would be
/// a plausible wrong answer (`since` printing nothing, `grep --records` the whole file as one
/// record). So a source fails (``SluiceError/Kind/noTimestamp``) when it ends without a stamped
/// line, or when ``limit`` bytes of it have been read without one (which also bounds what is
/// held for such a prefix).
struct TimestampPresence {
    /// Bytes of a source read without a timestamp before it fails.
    static let limit = 1 << 20

    /// A stamped line has been seen in the source.
    private(set) var stamped = false
    private var untimedLines = 0
    private var untimedBytes = 0

    /// Records a line of `length` bytes; true when the source has now passed ``limit`` bytes
    /// without a timestamp.
    mutating func note(stamped isStamped: Bool, length: Int) -> Bool {
        if stamped { return false }
        if isStamped { stamped = true; return false }
        untimedLines += 1
        untimedBytes += length + 1
        return untimedBytes > Self.limit
    }

    /// Records that a stamped line has been seen.
    mutating func noteStamped() { stamped = true }

    /// The source has lines and none of them is stamped (asked at its end).
    var failsAtEnd: Bool { !stamped && untimedLines > 0 }

    /// The failure of source `name`: `atEnd` when it ended without a stamped line.
    static func failure(_ name: String?, atEnd: Bool) -> SluiceError {
        .noTimestamp(path: name, limit: atEnd ? nil : Self.limit)
    }
}
