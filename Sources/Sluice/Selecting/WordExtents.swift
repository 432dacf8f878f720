/// How `-o` (and colour, `--json` spans) find the extents of a list of literals under `-w`, as
/// GNU grep 3.8 does, which depends on which of its matchers searches the list.
///
/// GNU grep searches with its fixed-string matcher (`kwsearch.c`, `Fexecute`): `-F` patterns
/// (but a single one in the C locale, and in a UTF-8 locale those with encoding errors or
/// that `-i` cannot fold byte by byte), and lists of two or more distinct BREs or EREs that
/// are all plain strings. Each later search of a line starts where the last match ended and
/// counts that position as a word boundary (see ``LiteralSet/wordExtents(in:unicode:previousEndIsBoundary:)``).
/// Its regex matcher, used otherwise, looks at the real character before a match.
struct WordExtents: Sendable {
    let set: LiteralSet
    let unicode: Bool
    let previousEndIsBoundary: Bool

    func ranges(in line: UnsafeRawBufferPointer) -> [Range<Int>] {
        set.wordExtents(in: line, unicode: unicode, previousEndIsBoundary: previousEndIsBoundary)
    }

    /// The strings GNU grep 3.8 gives its fixed-string matcher for `patterns` (split at line
    /// feeds), or `nil` when it uses its regex matcher (grep.c's choice, `try_fgrep_pattern`).
    static func gnuFixedKeys(_ patterns: [String], syntax: GrepPattern.Syntax, utf8: Bool, ignoreCase: Bool,
                             wholeWord: Bool) -> [[UInt8]]? {
        var seen = Set<String>()
        let distinct = patterns.filter { seen.insert($0).inserted }
        switch syntax {
        case .perl:
            return nil
        case .fixed:
            if !utf8 { return distinct.count == 1 && wholeWord ? nil : distinct.map { Array($0.utf8) } }
            if ignoreCase && !distinct.allSatisfy({ foldsByByte($0, utf8: true) }) { return nil }
            return distinct.map { Array($0.utf8) }
        case .basic, .extended:
            guard distinct.count > 1 else { return nil }
            var keys: [[UInt8]] = []
            for p in distinct {
                guard let key = plainString(p, basic: syntax == .basic), !ignoreCase || foldsByByte(key, utf8: utf8) else {
                    return nil
                }
                keys.append(Array(key.utf8))
            }
            return keys
        }
    }

    /// A BRE or ERE that matches only itself, unescaped (`a\.b` is `a.b`), or `nil`.
    static func plainString(_ pattern: String, basic: Bool) -> String? {
        var out = ""
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            switch c {
            case "$", "*", ".", "[", "^":
                return nil
            case "(", "+", "?", "{", "|":
                if !basic { return nil }
                out.append(c)
            case "\\":
                guard let d = chars.next() else { out.append(c); break }
                if "\nBSW'<bsw`>123456789".contains(d) { return nil }
                if basic && "(+?{|".contains(d) { return nil }
                out.append(d)
            default:
                out.append(c)
            }
        }
        return out
    }

    /// Whether `-i` can fold `pattern` byte by byte in GNU's fixed-string matcher (grep.c's
    /// `fgrep_icase_available`): in a UTF-8 locale, no `s` or `i` (they fold to U+017F and
    /// U+0131 as well) and no other character that has a case.
    static func foldsByByte(_ pattern: String, utf8: Bool) -> Bool {
        guard utf8 else { return true }
        return pattern.unicodeScalars.allSatisfy { c in
            c.isASCII ? !"sSiI".unicodeScalars.contains(c) : !c.properties.changesWhenCaseMapped
        }
    }
}
