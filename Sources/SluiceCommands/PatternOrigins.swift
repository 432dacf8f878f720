import Sluice

extension GrepVerb {
    /// The message for a pattern that does not compile: with several patterns it names where
    /// the bad one came from (`FILE:LINE:` for `-f`, `-e #N:` for `-e`), as GNU grep does, and
    /// shows at most 200 bytes of it, never the whole list.
    func describe(patternError error: any Error, patterns: [String], compilesAlone: (String) -> Bool = { _ in true }) -> String {
        if let error = error as? SluiceError, error.kind == .patternSyntax, let reason = error.reason {
            // A BRE/ERE that does not parse: GNU's message; in a list, where the bad one came from too.
            let split = patterns.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
            guard split.count > 1, let index = split.firstIndex(where: { !compilesAlone($0) }),
                  let origin = origin(ofPatternAt: index, total: split.count) else { return reason }
            let bad = split[index]
            let shown = bad.utf8.count > 200 ? String(decoding: bad.utf8.prefix(200), as: UTF8.self) + "..." : bad
            return "\(origin): \(reason) (pattern '\(shown)')"
        }
        guard let error = error as? SluiceError, error.kind == .badPattern, let pattern = error.pattern else { return "\(error)" }
        let offset = error.offset ?? 0, reason = error.reason ?? ""
        let shown = pattern.utf8.count > 200 ? String(decoding: pattern.utf8.prefix(200), as: UTF8.self) + "..." : pattern
        let message = "invalid pattern '\(shown)' at offset \(offset): \(reason)"
        let split = patterns.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
        guard split.count > 1, let index = split.firstIndex(of: pattern), let origin = origin(ofPatternAt: index, total: split.count)
        else { return message }
        return "\(origin): \(message)"
    }

    /// Where the `index`th pattern (after splitting at line feeds) was given. Pattern files are
    /// read again (this runs only on the error path); standard input, read once, is what the
    /// other sources leave.
    private func origin(ofPatternAt index: Int, total: Int) -> String? {
        var i = index
        for (n, e) in regexps.enumerated() {
            let lines = e.split(separator: "\n", omittingEmptySubsequences: false).count
            if i < lines { return "-e #\(n + 1)" }
            i -= lines
        }
        guard !patternFiles.isEmpty else { return nil }
        var counts: [Int?] = patternFiles.map { file in
            guard file != "-", let data = FileManagerShim.contents(file) else { return nil }
            return data.split(separator: 0x0A, omittingEmptySubsequences: false).count - (data.last == 0x0A || data.isEmpty ? 1 : 0)
        }
        let known = counts.compactMap { $0 }.reduce(0, +)
        let fromFiles = total - regexps.reduce(0) { $0 + $1.split(separator: "\n", omittingEmptySubsequences: false).count }
        if let stdin = counts.firstIndex(where: { $0 == nil }) { counts[stdin] = fromFiles - known }
        for (file, count) in zip(patternFiles, counts) {
            let c = count ?? 0
            if i < c { return "\(file == "-" ? "(standard input)" : file):\(i + 1)" }
            i -= c
        }
        return nil
    }
}
