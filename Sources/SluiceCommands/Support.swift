import ArgumentParser
import Sluice
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A message for the user that ends the run with status 2.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

enum SluiceErrorText {
    static func systemMessageForLastError() -> String { SluiceError.systemMessage(errno) }
}

/// Reads a whole (small) file, for `grep -f`.
enum FileManagerShim {
    static func contents(_ path: String) -> [UInt8]? {
        let fd = path == "-" ? 0 : RawBytes.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { if fd != 0 { close(fd) } }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 { if errno == EINTR { continue }; return nil }
            if n == 0 { return data }
            data += buffer[0..<n]
        }
    }
}

/// Writes `sluice: message` to standard error.
func printError(_ message: String, prefixed: Bool = true) {
    // A name that is not valid UTF-8 is written with its own bytes, as GNU tools write it.
    let text = RawBytes.bytes(prefixed ? "sluice: \(message)\n" : message)
    text.withUnsafeBytes { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Set when a decoder warned of trailing bytes in a format whose own tool then exits with an
/// error status: the run ends with status 2 (see ``reportDecompressionWarning(_:_:)``).
let trailingBytesFail = Atomic(false)

/// Takes a decoder's warning about bytes after the compressed data for the exit status. As
/// the codecs' own tools: `gzip -dc` warns and exits with 2, `zstd`, `xz` and `lz4` fail,
/// `bzip2` warns and exits with 0; so the run's status becomes 2 except for bzip2. The message
/// (`sluice: NAME: warning: ...`) travels in the stream and is printed after the output
/// before it (see `Plan.write`); one that no stage carried there is kept in
/// ``unreportedWarnings`` and printed at the end.
func reportDecompressionWarning(_ name: String, _ warning: DecompressionWarning) {
    noteTrailingBytes(warning)
    unreportedWarnings.withLock { $0.append("\(name): warning: \(warning)") }
}

/// The same, printed at once (tail, whose output comes after its whole input is read).
func printDecompressionWarning(_ name: String, _ warning: DecompressionWarning) {
    noteTrailingBytes(warning)
    printError("\(name): warning: \(warning)")
}

private func noteTrailingBytes(_ warning: DecompressionWarning) {
    if warning.codec != .bzip2 { trailingBytesFail.store(true, ordering: .relaxed) }
}

/// Warning messages told by the decoders that the printer has not reported yet.
let unreportedWarnings = Mutex<[String]>([])

/// Marks `message` as reported, if it is a decoder's warning.
func warningReported(_ message: String) {
    unreportedWarnings.withLock { list in
        if let i = list.firstIndex(of: message) { list.remove(at: i) }
    }
}

/// Prints the decoders' warnings no stage carried to the printer (after all the output).
func printUnreportedWarnings() {
    unreportedWarnings.withLock { list in
        list.forEach { printError($0) }
        list.removeAll()
    }
}

/// Remembers whether any input failed, for the exit status.
final class ErrorRecorder: Sendable {
    private let failed = Atomic(false)
    let suppressFileErrors: Bool
    /// The run's stop (SIGINT, SIGTERM).
    let stop: StopToken

    init(suppressFileErrors: Bool, stop: StopToken) {
        self.suppressFileErrors = suppressFileErrors
        self.stop = stop
    }

    var anyFailed: Bool { failed.load(ordering: .relaxed) }

    func record(_ error: SluiceError) {
        if isCutByStop(error) { return }
        failed.store(true, ordering: .relaxed)
        if error.kind == .io, suppressFileErrors { return }
        printError(error.description)
    }
}

extension ErrorRecorder {
    /// A compressed stream that ends early because SIGINT or SIGTERM stopped its reading is
    /// not damaged: the user stopped it, so it is not reported. (The decoders already end such
    /// a stream quietly, see ``DecompressionOptions/stop``; this covers a decoder without it.)
    func isCutByStop(_ error: SluiceError) -> Bool {
        guard stop.isRequested else { return false }
        return error.kind == .truncated
    }
}

/// The verb whose name is closest to a misspelt one, if any is close.
func suggestion(for word: String, among names: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1]
            for (j, cb) in b.enumerated() {
                current.append(Swift.min(previous[j] + (ca == cb ? 0 : 1), previous[j + 1] + 1, current[j] + 1))
            }
            previous = current
        }
        return previous[b.count]
    }
    let scored = names.map { ($0, distance(Array(word), Array($0))) }.sorted { $0.1 < $1.1 }
    guard let best = scored.first, best.1 <= Swift.max(1, word.count / 2) else { return nil }
    return best.0
}

/// Parses `512`, `64K`, `512M`, `1G` as a byte count.
struct ByteCount: ExpressibleByArgument {
    let value: Int
    init?(argument: String) {
        let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var text = Substring(argument)
        var scale = 1
        if let last = text.last, let unit = units[last] { scale = unit; text = text.dropLast() }
        guard let n = Int(text), n > 0 else { return nil }
        value = n * scale
    }
}

/// A count as GNU head and tail read it: digits and an optional multiplier, `b` (512), `kB`
/// or `KB` (1000), `K`, `k` or `KiB` (1024), and so on for M (and m), G, T, P and E. `nil` for
/// anything else, or a count past `Int64.max`.
func gnuCount(_ text: Substring) -> Int64? {
    let digits = text.prefix { $0.isASCII && $0.isNumber }
    guard !digits.isEmpty, let n = Int64(digits) else { return nil }
    let suffix = text.dropFirst(digits.count)
    guard let unit = suffix.first else { return n }
    if suffix == "b" { return n.multipliedReportingOverflow(by: 512).overflow ? nil : n * 512 }
    let powers: [Character: Int] = ["k": 1, "K": 1, "m": 2, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6]
    guard let power = powers[unit] else { return nil }
    let base: Int64
    switch suffix.dropFirst() {
    case "", "iB": base = 1024
    case "B": base = 1000
    default: return nil
    }
    var value = n
    for _ in 0..<power {
        let (m, overflow) = value.multipliedReportingOverflow(by: base)
        if overflow { return nil }
        value = m
    }
    return value
}

/// The character encoding of the locale, as setlocale resolves it from LC_ALL, else LC_CTYPE,
/// else LANG (resolved with newlocale, so the process's own locale is left as it is): UTF-8 for
/// a UTF-8 codeset (`C.UTF-8`, `en_US.utf8`), bytes otherwise (`C`, `POSIX`, unset, or a
/// locale that is not installed, as GNU grep falls back to C).
func localeEncoding() -> GrepPattern.Encoding {
    guard let locale = newlocale(LC_CTYPE_MASK, "", nil) else { return .bytes }
    defer { freelocale(locale) }
    guard let codeset = nl_langinfo_l(nl_item(CODESET), locale) else { return .bytes }
    let name = String(cString: codeset).lowercased()
    return name == "utf-8" || name == "utf8" ? .utf8 : .bytes
}

/// `SLUICE_INFLATE=isal|zlib` chooses the gzip inflater (ISA-L unless set); another value is an error.
func inflaterFromEnvironment() -> Inflater? {
    guard let value = getenv("SLUICE_INFLATE").map({ String(cString: $0) }), !value.isEmpty else { return .isal }
    guard let inflater = Inflater(rawValue: value) else {
        printError("SLUICE_INFLATE must be 'isal' or 'zlib', not '\(value)'")
        return nil
    }
    return inflater
}

/// `SLUICE_SCAN_AHEAD=N`: how many batches of a regular file grep searches ahead on the other
/// core (``GrepOptions/scansAhead``; 8 unless set, 0 searches each batch in turn), for
/// measuring one against the other; a value that is no number from 0 to 16 is taken as unset.
func scanAheadFromEnvironment() -> Int {
    guard let value = getenv("SLUICE_SCAN_AHEAD").flatMap({ Int(String(cString: $0)) }), (0...16).contains(value) else { return 8 }
    return value
}

/// What a path is, from one `stat` and, for a non-empty regular file, one read of its first
/// bytes (nothing else is opened: opening a FIFO would wait for a writer, and reading it would
/// take bytes from the stream).
struct PathProbe {
    var exists = false
    var isRegularFile = false
    /// A FIFO, character device (a terminal) or socket: read as a stream, never backwards.
    var isStream = false
    /// The codec whose magic number starts a regular file, if any.
    var codec: CompressionCodec?

    /// Nothing known (standard input, or nothing asked).
    init() {}

    /// `readsHead: false`: the `stat` alone (``codec`` stays nil).
    init(_ path: String, readsHead: Bool = true) {
        guard path != "-" else { return }
        var st = stat()
        guard RawBytes.stat(path, &st) == 0 else { return }
        exists = true
        let kind = st.st_mode & S_IFMT
        isRegularFile = kind == S_IFREG
        isStream = kind == S_IFIFO || kind == S_IFCHR || kind == S_IFSOCK
        guard readsHead, isRegularFile, st.st_size > 0 else { return }
        let fd = RawBytes.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var prefix = [UInt8](repeating: 0, count: CompressionCodec.longestMagic)
        let n = prefix.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        if n > 0 { codec = CompressionCodec.detect(prefix[..<n]) }
    }
}
