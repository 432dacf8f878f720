import SluiceCommands

/// The command-line parser on arbitrary words (the input split at LF and NUL). Invariant: it
/// returns a plan or throws; it never crashes or hangs. Words that would make it read a file
/// (`-f`, `--file`) are dropped, so that an input cannot make the parser wait on a device.
enum PlanTarget {
    static func run(_ input: [UInt8]) {
        let words = input.split(omittingEmptySubsequences: false) { $0 == 0x0A || $0 == 0 }
            .prefix(64)
            .map { String(decoding: $0, as: UTF8.self) }
            .filter { !readsAFile($0) }
        _ = try? Plan(parsing: words)
    }

    static func readsAFile(_ word: String) -> Bool {
        if word.hasPrefix("--") { return word.hasPrefix("--f") }
        return word.hasPrefix("-") && word.contains("f")
    }
}
