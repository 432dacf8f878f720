import CByteScan

/// GNU grep's basic (BRE) and extended (ERE) regular expressions, read as GNU grep 3.8 reads
/// them and written out as PCRE2 syntax that matches the same lines.
///
/// The translation keeps GNU's group numbers (helper groups are non-capturing), so back
/// references keep their meaning, and keeps a pattern with no special characters a plain
/// string (`literal`), so it is searched with the literal fast paths. A pattern GNU rejects
/// throws ``SluiceError/patternSyntax(reason:)`` with GNU's message; forms GNU accepts with a
/// warning (an ERE that starts with `*`, `+`, `?` or `{...}`) are listed in `warnings`.
struct POSIXPattern {
    enum Dialect: Sendable { case basic, extended }

    /// The PCRE2 pattern (compile it with PCRE2_MULTILINE; with UTF, UCP and no CASELESS in
    /// UTF-8 mode, CASELESS in byte mode when case is ignored).
    var pcre: String
    /// The pattern's bytes when it is a plain string (escaped ordinary characters included).
    var literal: [UInt8]?
    /// The plain strings of a pattern that is an alternation of plain strings (`a\|b\|c`,
    /// `a|b|c`), for matchers of literal sets; `[literal]` for a plain string.
    var alternativeLiterals: [[UInt8]]?
    /// Whether the pattern holds `\1`..`\9` (then PCRE2's DFA matcher cannot be used).
    var hasBackReferences: Bool
    /// How many capturing groups the pattern has.
    var groups: Int
    /// GNU grep's warnings, without the program name ("* at start of expression").
    var warnings: [String]

    /// Translates `pattern`. `utf8`: the pattern and the lines are UTF-8 (a UTF-8 locale), so
    /// units are characters; otherwise bytes (the C locale). `caseless` in UTF-8 mode folds
    /// letters here, as GNU grep does (PCRE2's own folding differs for a few characters);
    /// `groupOffset` is added to back-reference numbers when patterns are joined.
    ///
    /// `bufferEnd`: `\'` is the end of the subject (`\z`) rather than of the line (`$`): glibc's
    /// reading, which differs from the line's end when GNU grep matches a line cut short (see
    /// ``WordRegexLoop``).
    ///
    /// `glibcDecides`: another pattern of the list makes GNU's dfa give up (see
    /// ``decidedByGlibc``), so glibc's regex reads this one too.
    init(_ pattern: String, dialect: Dialect, utf8: Bool, caseless: Bool, groupOffset: Int = 0, bufferEnd: Bool = false,
         glibcDecides: Bool = false) throws {
        let units: [UInt32] = utf8 ? pattern.unicodeScalars.map(\.value) : RawBytes.bytes(pattern).map(UInt32.init)
        var t = POSIXTranslator(units: units, dialect: dialect, utf8: utf8, caseless: caseless, groupOffset: groupOffset)
        t.bufferEnd = bufferEnd
        try t.run()
        decidedByGlibc = t.glibcDecides
        readsDifferently = t.readingsDiffer
        if (t.glibcDecides || glibcDecides) && t.readingsDiffer {
            // GNU selects this pattern's lines with glibc's regex, which reads an operator that
            // repeats nothing otherwise than the dfa (it skips it, or takes it as a character):
            // read as glibc does, with the dfa's warnings.
            let warnings = t.warnings
            t = POSIXTranslator(units: units, dialect: dialect, utf8: utf8, caseless: caseless, groupOffset: groupOffset)
            t.bufferEnd = bufferEnd
            t.glibcSemantics = true
            try t.run()
            t.warnings = warnings
        }
        pcre = String(decoding: t.out, as: UTF8.self)
        if let alternatives = t.alternatives, let last = t.literal {
            literal = nil
            alternativeLiterals = alternatives + [last]
        } else {
            literal = t.alternatives == nil ? t.literal : nil
            alternativeLiterals = literal.map { [$0] }
        }
        hasBackReferences = t.hasBackReferences
        glibcMissesMatches = t.glibcMissesMatches
        glibcMissesCaselessEscape = t.caselessEscapedLowercase
        groups = t.groupCount
        warnings = t.warnings
    }

    /// Whether the pattern makes GNU's dfa give up, so that glibc's regex decides the lines of
    /// every pattern of the list (back-references; in UTF-8 word assertions and classes).
    let decidedByGlibc: Bool
    /// Whether glibc's regex and GNU's dfa read an operator of the pattern differently.
    let readsDifferently: Bool
    /// Whether the pattern was read as GNU's dfa reads it, and glibc's regex reads it otherwise
    /// (unless another pattern of the list hands it to glibc): its `-o` extents are glibc's.
    var dfaReadsOtherwiseThanGlibc: Bool { readsDifferently && !decidedByGlibc }
    /// Whether a back-reference refers to a group that holds an unbounded repetition (`*`, `+`,
    /// `{n,}`) of a repetition or a group (`(y**)\1`, `((y*)*)\1`): glibc's matcher misses
    /// matches of such a pattern (`echo a | grep -cE '(y**)\1'` is 0).
    var glibcMissesMatches: Bool
    /// Whether, under `-i`, the pattern escapes a lowercase ASCII letter that is no operator
    /// (`\i`, `\k`): glibc's regex never matches it, GNU's dfa does (see `GrepPattern.KnownDifferences`).
    var glibcMissesCaselessEscape: Bool

    static func error(_ reason: String) -> SluiceError { .patternSyntax(reason: reason) }

    /// A word character as GNU grep sees it (`\w`, `-w`): `_` and the locale's alphanumerics.
    static func wordClass(utf8: Bool) -> String {
        utf8 && LocaleClasses.available ? "[_" + LocaleClasses.text("alnum") + "]" : "\\w"
    }

    /// A fixed string as PCRE2 text: each character escaped (and, in UTF-8 mode with case
    /// ignored, folded as GNU grep folds it).
    static func literalSource(_ s: String, utf8: Bool, caseless: Bool) -> String {
        let units: [UInt32] = utf8 ? s.unicodeScalars.map(\.value) : RawBytes.bytes(s).map(UInt32.init)
        let folder = utf8 && caseless ? CaseFolder() : nil
        return units.map { c in
            if let set = folder?.counterparts(c) { return "[" + set.map(POSIXTranslator.escaped).joined() + "]" }
            return POSIXTranslator.escaped(c)
        }.joined()
    }
}

private let backslash: UInt32 = 0x5C

private func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }

private func isAlnumASCII(_ c: UInt32) -> Bool {
    (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
}

/// The character classes POSIX names inside brackets.
private let classNames: Set<String> = ["alpha", "upper", "lower", "digit", "xdigit", "space", "print", "punct",
                                       "graph", "cntrl", "blank", "alnum"]

struct POSIXTranslator {
    let p: [UInt32]
    let dialect: POSIXPattern.Dialect
    let utf8: Bool
    let caseless: Bool
    let groupOffset: Int
    let folder: CaseFolder?

    var i = 0
    var out: [UInt8] = []
    var literal: [UInt8]? = []
    /// The plain strings of the top-level alternatives before the current one, while all are plain.
    var alternatives: [[UInt8]]?
    var alternativesSpoilt = false
    var warnings: [String] = []
    var hasBackReferences = false
    var groupCount = 0

    /// GNU's "last start": true at the start of the pattern, a group or an alternative (and
    /// after `^` there), where a repetition operator has nothing to repeat.
    var lastStart = true
    /// Whether `^` here is an anchor in a BRE: at the start of the pattern, a group or an alternative.
    var caretAnchors = true

    // GNU grep also compiles each pattern with glibc's regex, whose errors it reports. glibc
    // reads an ERE's repetition operator with nothing to repeat (at the start of an expression,
    // or after an anchor) by skipping it, and a `)` right after a skipped operator as an
    // ordinary character: its groups can then differ from those of GNU's dfa, which selects
    // the lines. These follow glibc's reading, for its errors.
    /// glibc is at the start of an expression (an ERE operator here is skipped).
    var glibcStart = true
    /// The token before was an operator glibc skipped.
    var glibcSkipped = false
    var previousSkipped = false
    /// glibc's open groups.
    var glibcDepth = 0
    /// A `)` closed a group for the dfa that glibc read as an ordinary character.
    var glibcDiverged = false
    /// Read operators as glibc does where it and GNU's dfa differ (see `POSIXPattern.init`).
    var glibcSemantics = false
    /// GNU decides this pattern's lines with glibc's regex: it has back-references, or (UTF-8)
    /// constructs GNU's dfa leaves to it in a multibyte locale.
    var glibcDecides = false
    /// An operator was read here as the dfa reads it, which glibc reads otherwise.
    var readingsDiffer = false
    /// The last word assertion (UTF-8): where it starts in `out`, and `glibcDecides` before it.
    var wordAssertion: (start: Int, glibcDecidedBefore: Bool)?
    /// `\'` is the subject's end (`\z`), not the line's (see `POSIXPattern.init`).
    var bufferEnd = false
    /// See `POSIXPattern.glibcMissesMatches`.
    var glibcMissesMatches = false
    /// See `POSIXPattern.glibcMissesCaselessEscape`.
    var caselessEscapedLowercase = false
    /// The groups that hold an unbounded repetition of a repetition or a group.
    var groupsRepeatingRepetitions: Set<Int> = []
    /// The groups that hold a back-reference to a group nested in them (`((a*)\2)`).
    var groupsReferringWithin: Set<Int> = []
    /// The number of the group that ended last (see `groupEnd`).
    var lastGroup = 0
    /// Where `out` ended when the last group closed (a quantifier right after repeats the group).
    var groupEnd: Int?

    enum AtomKind { case plain, quantified, assertion }
    /// Where the last repeatable piece starts in `out`, and what it is.
    var atom: (start: Int, kind: AtomKind)?
    var openGroups: [(number: Int, start: Int)] = []
    var completedGroups: Set<Int> = []
    /// Per open alternation (the pattern, then each open group): the groups completed when it
    /// began, and those completed in its earlier alternatives. As in glibc, a back-reference
    /// sees only the groups completed in its own alternative (`\(a\)\|\1` is invalid).
    var alternationLevels: [(initial: Set<Int>, accumulated: Set<Int>)] = [([], [])]

    init(units: [UInt32], dialect: POSIXPattern.Dialect, utf8: Bool, caseless: Bool, groupOffset: Int) {
        p = units
        self.dialect = dialect
        self.utf8 = utf8
        self.caseless = caseless
        self.groupOffset = groupOffset
        folder = utf8 && caseless ? CaseFolder() : nil
    }

    var ere: Bool { dialect == .extended }
    /// A word character: `\w` in the C locale, the locale's letters, digits and `_` in UTF-8.
    var word: String { POSIXPattern.wordClass(utf8: utf8) }
    /// Classes are the C library's (UTF-8 mode, when its C.UTF-8 locale exists), else PCRE2's
    /// (with PCRE2_UCP in UTF-8 mode).
    var localeClasses: Bool { utf8 && LocaleClasses.available }

    mutating func emit(_ s: String) { out.append(contentsOf: s.utf8) }

    /// A unit as PCRE2 text: word characters as themselves, others as `\x{..}` (valid in and
    /// out of classes, and for a code point in UTF mode).
    static func escaped(_ c: UInt32) -> String {
        isAlnumASCII(c) || c == 0x5F ? String(UnicodeScalar(UInt8(c))) : "\\x{" + String(c, radix: 16) + "}"
    }

    mutating func run() throws {
        while i < p.count {
            let c = p[i]
            i += 1
            previousSkipped = glibcSkipped
            glibcSkipped = false
            if c == backslash {
                guard i < p.count else { throw POSIXPattern.error("Trailing backslash") }
                let d = p[i]
                i += 1
                try escapedUnit(d)
            } else {
                try plainUnit(c)
            }
        }
        if !openGroups.isEmpty || glibcDepth > 0 { throw POSIXPattern.error("Unmatched ( or \\(") }
        if glibcDiverged {
            // glibc and the dfa group the pattern differently: no answer would be GNU's for sure.
            throw POSIXPattern.error("Unsupported: a ')' right after a repetition operator that repeats nothing (GNU grep's two matchers read it differently)")
        }
        if literal == nil { alternatives = nil }
    }

    mutating func plainUnit(_ c: UInt32) throws {
        switch UnicodeScalar(c).map(Character.init) {
        case ".": piece(".")
        case "[": try bracket()
        case "*": try repeatOperator("*", name: "*")
        case "^": caret()
        case "$": dollar()
        case "+" where ere: try repeatOperator("+", name: "+")
        case "?" where ere: try repeatOperator("?", name: "?")
        case "{" where ere: try interval()
        case "|" where ere: alternation()
        case "(" where ere: openGroup()
        case ")" where ere: try closeGroup()
        default: literalUnit(c)
        }
    }

    mutating func escapedUnit(_ c: UInt32) throws {
        // In a multibyte locale GNU's dfa leaves word assertions and classes to glibc.
        if utf8, [0x3C, 0x3E, 0x62, 0x42].contains(c) { wordAssertion = (out.count, glibcDecides) }
        if utf8, [0x3C, 0x3E, 0x62, 0x42, 0x77, 0x57, 0x73, 0x53].contains(c) { glibcDecides = true }
        switch UnicodeScalar(c).map(Character.init) {
        case "(" where !ere: openGroup()
        case ")" where !ere: try closeGroup()
        case "|" where !ere: alternation()
        case "{" where !ere: try interval()
        case "+" where !ere: try repeatOperator("+", name: "+")
        case "?" where !ere: try repeatOperator("?", name: "?")
        case "1", "2", "3", "4", "5", "6", "7", "8", "9": try backReference(Int(c - 0x30))
        case "<": assertion("(?<!\(word))(?=\(word))")
        case ">": assertion("(?<=\(word))(?!\(word))")
        case "b": assertion("(?:(?<=\(word))(?!\(word))|(?<!\(word))(?=\(word)))")
        case "B": assertion("(?:(?<=\(word))(?=\(word))|(?<!\(word))(?!\(word)))")
        case "`": assertion("^")
        case "'": assertion(bufferEnd ? "\\z" : "$")
        case "w": piece(word)
        case "W": piece(localeClasses ? "[^_\(LocaleClasses.text("alnum"))\\n]" : "[^\\w\\n]")
        case "s": piece(localeClasses ? "[" + LocaleClasses.text("space", excludingNewline: true) + "]" : "[^\\S\\n]")
        case "S": piece(localeClasses ? "[^" + LocaleClasses.text("space") + "]" : "\\S")
        default:
            // glibc's regex with REG_ICASE never matches an escaped lowercase ASCII letter that
            // is no operator (`echo Ii | grep -o -i '\i'` prints nothing); GNU's dfa does.
            if caseless && c >= 0x61 && c <= 0x7A { caselessEscapedLowercase = true }
            literalUnit(c)  // an escaped ordinary or special character stands for itself
        }
    }

    /// A repeatable piece that is not a plain string.
    mutating func piece(_ pcre: String) {
        atom = (out.count, .plain)
        emit(pcre)
        literal = nil
        lastStart = false
        glibcStart = false
        caretAnchors = false
    }

    mutating func assertion(_ pcre: String) {
        glibcStart = true  // glibc reads what follows an anchor as the start of an expression
        atom = (out.count, .assertion)
        emit(pcre)
        literal = nil
        caretAnchors = false
    }

    mutating func literalUnit(_ c: UInt32) {
        atom = (out.count, .plain)
        if let folder, let set = folder.counterparts(c), set.count > 1 {
            emit("[" + set.map(Self.escaped).joined() + "]")
        } else {
            emit(Self.escaped(c))
        }
        if literal != nil {
            if utf8, let s = UnicodeScalar(c) { literal!.append(contentsOf: String(Character(s)).utf8) } else { literal!.append(UInt8(truncatingIfNeeded: c)) }
        }
        lastStart = false
        glibcStart = false
        caretAnchors = false
    }

    mutating func caret() {
        if ere || caretAnchors {
            assertion("^")  // GNU leaves "last start" set after ^: a following * is literal in a BRE
        } else {
            literalUnit(0x5E)
        }
    }

    mutating func dollar() {
        // In a BRE, $ is an anchor at the end of the pattern, a group or an alternative.
        let anchors = ere || i == p.count
            || (p[i] == backslash && i + 1 < p.count && (p[i + 1] == 0x29 || p[i + 1] == 0x7C))
        if anchors {
            let keep = lastStart
            assertion("$")
            lastStart = keep
        } else {
            literalUnit(0x24)
        }
    }

    mutating func openGroup() {
        glibcDepth += 1
        glibcStart = true
        groupCount += 1
        openGroups.append((groupCount, out.count))
        alternationLevels.append((completedGroups, []))
        emit("(")
        literal = nil
        atom = nil
        lastStart = true
        caretAnchors = true
    }

    mutating func closeGroup() throws {
        if ere {
            if previousSkipped {
                // glibc: an ordinary character; the dfa: the group's end (or an ordinary one).
                if !openGroups.isEmpty { glibcDiverged = true }
            } else if glibcDepth > 0 {
                glibcDepth -= 1
            }
        } else if glibcDepth > 0 {
            glibcDepth -= 1
        }
        guard let group = openGroups.popLast() else {
            if ere { literalUnit(0x29); return }  // an unmatched ) is ordinary in an ERE
            throw POSIXPattern.error("Unmatched ) or \\)")
        }
        emit(")")
        groupEnd = out.count
        completedGroups.formUnion(alternationLevels.removeLast().accumulated)
        completedGroups.insert(group.number)
        lastGroup = group.number
        atom = (group.start, .plain)
        lastStart = false
        glibcStart = false
        caretAnchors = false
    }

    mutating func alternation() {
        glibcStart = true
        alternationLevels[alternationLevels.count - 1].accumulated.formUnion(completedGroups)
        completedGroups = alternationLevels[alternationLevels.count - 1].initial
        if openGroups.isEmpty && !alternativesSpoilt, let l = literal {
            alternatives = (alternatives ?? []) + [l]
            literal = []  // the next alternative starts plain
            emit("|")
            atom = nil
            lastStart = true
            caretAnchors = true
            return
        }
        alternativesSpoilt = true
        alternatives = nil
        emit("|")
        literal = nil
        atom = nil
        lastStart = true
        caretAnchors = true
    }

    mutating func backReference(_ n: Int) throws {
        guard completedGroups.contains(n) else { throw POSIXPattern.error("Invalid back reference") }
        hasBackReferences = true
        glibcDecides = true
        if groupsRepeatingRepetitions.contains(n) { glibcMissesMatches = true }
        // (An open group numbered below n holds group n, which has ended.)
        groupsReferringWithin.formUnion(openGroups.map(\.number).filter { $0 < n })
        piece(folder != nil ? "(?i:\\g{\(n + groupOffset)})" : "\\g{\(n + groupOffset)}")
    }

    /// `*`, `+` or `?`: literal at the start of a BRE expression; at the start of an ERE one,
    /// GNU warns and repeats the empty string.
    mutating func repeatOperator(_ pcre: String, name: String) throws {
        if ere && glibcStart {
            glibcSkipped = true
            if atom != nil && !(lastStart && atom?.kind == .quantified) {
                // glibc skips it; the dfa repeats the anchor (or the nothing) before it.
                if glibcSemantics { if lastStart { warnings.append("\(name) at start of expression") }; return }
                readingsDiffer = true
            }
        }
        if !ere && !lastStart && atom?.kind == .assertion {
            // After an anchor glibc reads a BRE operator as an ordinary character.
            if glibcSemantics { literalUnit(UnicodeScalar(name)!.value); return }
            readingsDiffer = true
        }
        if lastStart {
            if !ere { literalUnit(UnicodeScalar(name)!.value); return }
            warnings.append("\(name) at start of expression")
            if atom == nil { literal = nil; return }
        }
        applyQuantifier(pcre)
    }

    mutating func applyQuantifier(_ q: String) {
        guard let a = atom else { literal = nil; return }
        glibcStart = glibcSkipped  // a skipped operator leaves glibc at the start
        let unbounded = q == "*" || q == "+" || (q.hasPrefix("{") && q.hasSuffix(",}"))
        if unbounded && (a.kind == .quantified || (a.kind == .plain && groupEnd == out.count)) {
            groupsRepeatingRepetitions.formUnion(openGroups.map(\.number))
        }
        // A group repeated at least twice that holds a back-reference to a group within it:
        // glibc misses matches (`echo aaaa | grep -cE '((a*)\2){2}'` is 0, and so is
        // `(()\2){2}`; `{1,2}` and `+` are right).
        if a.kind == .plain && groupEnd == out.count && groupsReferringWithin.contains(lastGroup),
           q.hasPrefix("{"), let least = Int(q.dropFirst().prefix { $0.isNumber }), least >= 2 {
            glibcMissesMatches = true
        }
        if a.kind == .quantified, let merged = mergedRepetition(q, from: a.start) {
            // A repetition of a repetition (`a+*`, `.\+*`): the same language as one operator,
            // and nested unbounded repetitions make PCRE2's backtracking exponential on a line
            // that does not match (GNU's dfa does not care). One operator in place of both.
            out[out.count - 1] = merged
            literal = nil
            lastStart = false
            caretAnchors = false
            return
        }
        if a.kind != .plain {
            // PCRE2 reads a quantifier after a quantifier as lazy or possessive, and refuses
            // one after an assertion: group what is repeated.
            out.insert(contentsOf: Array("(?:".utf8), at: a.start)
            emit(")")
        }
        emit(q)
        atom = (a.start, .quantified)
        literal = nil
        lastStart = false
        caretAnchors = false
    }

    /// The one operator that repeats like `q` after the operator `*`, `+` or `?` that ends `out`
    /// (`X**`, `X+?`… as `X*`; `X++` as `X+`; `X??` as `X?`), when both are one of these and the
    /// repeated piece from `start` holds no capturing group or assertion (a `(` that is not
    /// `(?:`), whose captures or position could tell the two apart; else nil.
    func mergedRepetition(_ q: String, from start: Int) -> UInt8? {
        let star = UInt8(ascii: "*"), plus = UInt8(ascii: "+"), question = UInt8(ascii: "?")
        guard q.utf8.count == 1, let new = q.utf8.first, [star, plus, question].contains(new),
              let old = out.last, [star, plus, question].contains(old), out.count - 1 > start else { return nil }
        let piece = out[start..<(out.count - 1)]
        var k = piece.startIndex
        while k < piece.endIndex {
            if piece[k] == UInt8(ascii: "\\") { k += 2; continue }
            if piece[k] == UInt8(ascii: "(") {
                guard k + 2 < piece.endIndex, piece[k + 1] == question, piece[k + 2] == UInt8(ascii: ":") else { return nil }
            }
            k += 1
        }
        // The operator that ends `out` must be one this translator wrote, not an escaped character.
        if out.count >= 2 && out[out.count - 2] == UInt8(ascii: "\\") { return nil }
        return old == new ? old : star
    }

    enum IntervalToken { case end, close, comma }

    /// Reads the digits of an interval from `j` as glibc does: -1 when there are none, -2 when
    /// something else is in the way; stops at the closing brace, a comma or the end.
    func fetchNumber(_ start: Int) -> (value: Int, token: IntervalToken, next: Int) {
        var j = start
        var n = -1
        while true {
            guard j < p.count else { return (-2, .end, j) }
            var c = p[j]
            var escaped = false
            if c == backslash && j + 1 < p.count { c = p[j + 1]; escaped = true; j += 1 }
            j += 1
            let isClose = ere ? (!escaped && c == 0x7D) : (escaped && c == 0x7D)
            if isClose { return (n, .close, j) }
            if c == 0x2C { return (n, .comma, j) }
            n = (!escaped && isDigit(c) && n != -2) ? (n == -1 ? Int(c - 0x30) : Swift.min(32768, n * 10 + Int(c - 0x30))) : -2
        }
    }

    enum Interval { case valid(min: Int, max: Int?, next: Int), ordinary, invalid(String) }

    func parseInterval() -> Interval {
        var (start, token, j) = fetchNumber(i)
        var end = -2
        if start == -1 {
            guard token == .comma else { return .invalid("Invalid content of \\{\\}") }
            start = 0
        }
        if start != -2 {
            if token == .close { end = start } else if token == .comma { (end, token, j) = fetchNumber(j) }
        }
        if start == -2 || end == -2 {
            if ere { return .ordinary }
            return .invalid(token == .end ? "Unmatched \\{" : "Invalid content of \\{\\}")
        }
        if (end != -1 && start > end) || token != .close { return .invalid("Invalid content of \\{\\}") }
        if (end == -1 ? start : end) > 32767 { return .invalid("Regular expression too big") }
        return .valid(min: start, max: end == -1 ? nil : end, next: j)
    }

    /// `{m,n}` (ERE) or `\{m,n\}` (BRE); `i` is just after the opening brace.
    mutating func interval() throws {
        if lastStart && !ere { literalUnit(0x7B); return }  // a BRE's leading \{ is a brace
        let parsed = parseInterval()
        let glibcReadsCharacters = ere && glibcStart
        defer { if glibcReadsCharacters { glibcStart = false } }
        if case .valid = parsed, (ere && glibcStart) || (!ere && atom?.kind == .assertion) {
            // glibc skips an ERE's brace here (at the start of an expression, `{1}` is `1}`:
            // `echo 1} | grep -E '(a)\1|^{1}'` matches), and reads a BRE's as an ordinary
            // character; what follows is ordinary characters.
            if glibcSemantics {
                if ere && lastStart { warnings.append("{...} at start of expression") }
                if !ere { literalUnit(0x7B) }
                return
            }
            readingsDiffer = true
            if case .valid(0, 0?, _) = parsed, let a = atom, a.kind == .assertion, let w = wordAssertion, w.start == a.start {
                // GNU's dfa deletes a piece repeated {0} (or {0,0}) as it parses: a word
                // assertion so repeated no longer makes it leave the lines to glibc
                // (`printf 'ab\n' | grep -c 'a\>\{0\}'` is 1 in a UTF-8 locale).
                glibcDecides = w.glibcDecidedBefore
            }
        }
        if ere && glibcStart {
            // glibc skips the brace (and reads the digits and `}` after it as ordinary
            // characters); for the dfa an interval that is not valid is ordinary characters.
            guard case .valid = parsed else {
                literalUnit(0x7B)
                glibcStart = true
                glibcSkipped = true
                return
            }
        } else if ere, case .invalid(let reason) = parsed {
            throw POSIXPattern.error(reason)  // glibc reads an interval here
        }
        if lastStart {
            // GNU's matcher: a valid interval at the start repeats nothing (with a warning);
            // anything else there is an ordinary brace.
            guard case .valid(_, _, let next) = parsed else { literalUnit(0x7B); return }
            warnings.append("{...} at start of expression")
            i = next
            if atom == nil { literal = nil } else { applyQuantifier(quantifier(parsed)) }
            return
        }
        switch parsed {
        case .ordinary: literalUnit(0x7B)
        case .invalid(let reason): throw POSIXPattern.error(reason)
        case .valid(_, _, let next):
            i = next
            applyQuantifier(quantifier(parsed))
        }
    }

    func quantifier(_ interval: Interval) -> String {
        guard case .valid(let lo, let hi, _) = interval else { return "" }
        if let hi { return lo == hi ? "{\(lo)}" : "{\(lo),\(hi)}" }
        return "{\(lo),}"
    }

    // MARK: Bracket expressions

    enum Element { case char(UInt32), range(UInt32, UInt32), charClass(String), equivalence(UInt32) }

    /// One element: a character, `[:class:]`, `[=c=]` or `[.c.]`, as glibc reads them.
    func element(_ start: Int, acceptHyphen: Bool) throws -> (Element, Int, isSymbol: Bool) {
        let c = p[start]
        if c == 0x5B, start + 1 < p.count, [0x2E, 0x3D, 0x3A].contains(p[start + 1]) {
            let delimiter = p[start + 1]
            var k = start + 2
            var name: [UInt32] = []
            guard k < p.count else { throw POSIXPattern.error("Unmatched [, [^, [:, [., or [=") }
            while true {
                guard name.count < 32 else { throw POSIXPattern.error("Unmatched [, [^, [:, [., or [=") }
                let ch = p[k]
                k += 1
                guard k < p.count else { throw POSIXPattern.error("Unmatched [, [^, [:, [., or [=") }
                if ch == delimiter && p[k] == 0x5D { break }
                name.append(ch)
            }
            k += 1
            if delimiter == 0x3A {
                let text = String(decoding: name.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
                guard name.allSatisfy({ $0 < 0x80 }), classNames.contains(text) else {
                    throw POSIXPattern.error("Invalid character class name")
                }
                return (.charClass(text), k, true)
            }
            // Without collation tables (C, C.UTF-8), a symbol or equivalence class is one byte.
            guard name.count == 1, name[0] < 0x80 || !utf8 else { throw POSIXPattern.error("Invalid collation character") }
            return (delimiter == 0x3D ? .equivalence(name[0]) : .char(name[0]), k, true)
        }
        if c == 0x2D && !acceptHyphen && !(start + 1 < p.count && p[start + 1] == 0x5D) {
            throw POSIXPattern.error("Invalid range end")
        }
        return (.char(c), start + 1, false)
    }

    mutating func bracket() throws {
        let unmatched = "Unmatched [, [^, [:, [., or [="
        var j = i
        guard j < p.count else { throw POSIXPattern.error("Invalid regular expression") }
        var negated = false
        if p[j] == 0x5E {
            negated = true
            j += 1
            guard j < p.count else { throw POSIXPattern.error("Invalid regular expression") }
        }
        let contentStart = j
        var elements: [Element] = []
        var sawRange = false
        var first = true
        while true {
            var (start, next, symbol) = try element(j, acceptHyphen: first)
            // GNU's dfa leaves a bracket with `[.x.]` or `[=x=]` to glibc's regex, in every locale.
            if symbol, case .char = start { glibcDecides = true }
            if case .equivalence = start { glibcDecides = true }
            first = false
            j = next
            var isRange = false
            switch start {
            case .charClass, .equivalence: break
            default:
                guard j < p.count else { throw POSIXPattern.error(unmatched) }
                if p[j] == 0x2D {
                    guard j + 1 < p.count else { throw POSIXPattern.error(unmatched) }
                    if p[j + 1] != 0x5D { isRange = true; j += 1 }
                }
            }
            if isRange {
                let (end, after, endSymbol) = try element(j, acceptHyphen: true)
                if endSymbol { glibcDecides = true }
                j = after
                guard case .char(let lo) = start, case .char(let hi) = end else { throw POSIXPattern.error("Invalid range end") }
                // Without collation tables a range between non-ASCII characters is refused.
                if utf8 && (lo >= 0x80 || hi >= 0x80) { throw POSIXPattern.error("Invalid collation character") }
                // With case ignored, glibc checks the range between the upper cases of its ends.
                func up(_ c: UInt32) -> UInt32 { caseless && c >= 0x61 && c <= 0x7A ? c - 0x20 : c }
                guard up(lo) <= up(hi) else { throw POSIXPattern.error("Invalid range end") }
                start = .range(lo, hi)
                sawRange = true
                if utf8 && !(isDigit(lo) && isDigit(hi)) { glibcDecides = true }
            }
            elements.append(start)
            guard j < p.count else { throw POSIXPattern.error(unmatched) }
            if p[j] == 0x5D { break }
        }
        for e in elements {
            switch e {
            case .charClass(let name) where name != "digit": if utf8 { glibcDecides = true }
            case .equivalence: if utf8 { glibcDecides = true }
            default: break
            }
        }
        let content = p[contentStart..<j]
        j += 1
        // GNU's dfa rejects what looks like a class written without its outer brackets.
        if !sawRange, content.first == 0x3A, content.last == 0x3A, content.contains(where: { $0 != 0x3A }) {
            throw POSIXPattern.error("character class syntax is [[:space:]], not [:space:]")
        }
        i = j
        piece(classText(elements, negated: negated))
    }

    /// A bracket expression as a PCRE2 class that never matches the line feed: lines hold none,
    /// so that changes no line's match, and it keeps a search over a buffer of many lines from
    /// running on across them (which can take time quadratic in the buffer).
    func classText(_ elements: [Element], negated: Bool) -> String {
        var s = negated ? "[^\\n" : "["
        func add(_ c: UInt32) {
            s += Self.escaped(c)
            if let folder, let set = folder.counterparts(c) { for d in set where d != c { s += Self.escaped(d) } }
        }
        for e in elements {
            switch e {
            case .char(let c), .equivalence(let c): add(c)
            case .range(var lo, var hi):
                if folder != nil {
                    // UTF-8 with case ignored: glibc matches what upper-cases into the
                    // upper-cased range (in the C locale GNU's matcher takes the range as
                    // written, folding each letter in it: PCRE2_CASELESS does the same).
                    func up(_ c: UInt32) -> UInt32 { c >= 0x61 && c <= 0x7A ? c - 0x20 : c }
                    (lo, hi) = (up(lo), up(hi))
                }
                guard lo <= hi else { break }  // empty as written, valid once upper-cased
                if lo <= 0x0A && hi >= 0x0A {
                    // Never the line feed (see classText): the range around it.
                    if lo < 0x0A { s += Self.escaped(lo) + "-" + Self.escaped(0x09) }
                    if hi > 0x0A { s += Self.escaped(0x0B) + "-" + Self.escaped(hi) }
                } else {
                    s += Self.escaped(lo) + "-" + Self.escaped(hi)
                }
                if let folder { for c in lo...hi { if let set = folder.counterparts(c) { for d in set where d < lo || d > hi { add(d) } } } }
            case .charClass(var name):
                if caseless && (name == "upper" || name == "lower") { name = "alpha" }
                switch name {
                case "digit": s += "0-9"
                case "xdigit": s += "0-9A-Fa-f"
                case "space" where !localeClasses: s += "\\x{9}\\x{b}-\\x{d}\\x{20}"
                case "cntrl" where !localeClasses: s += "\\x{0}-\\x{9}\\x{b}-\\x{1f}\\x{7f}"
                default: s += localeClasses ? LocaleClasses.text(name, excludingNewline: true) : "[:\(name):]"
                }
            }
        }
        // A class left empty (ranges that are empty as written) matches nothing.
        if s == "[" { return "(?!)" }
        return s + "]"
    }
}

/// The C library's character classes in its C.UTF-8 locale, which GNU grep uses in a UTF-8
/// locale (they differ from Unicode's general categories: emoji are punctuation, NBSP is not a
/// space, other scripts' digits are letters), as PCRE2 class text (`\x{41}-\x{5a}...`).
/// Built once per class with `iswctype_l` (see CByteScan), on a locale object of their own
/// (the process's locale is not touched), and never changed: immutable tables. Empty when the
/// system has no C.UTF-8 locale (then PCRE2's Unicode classes are used).
enum LocaleClasses {
    static let available: Bool = !alnumRanges.isEmpty

    static func ranges(_ name: String) -> [ClosedRange<UInt32>] {
        var buffer = [UInt32](repeating: 0, count: 2 * 8192)
        let n = sluice_utf8_class_ranges(name, &buffer, 8192)
        return n == size_t.max ? [] : (0..<n).map { buffer[2 * $0]...buffer[2 * $0 + 1] }
    }

    static func render(_ ranges: [ClosedRange<UInt32>]) -> String {
        ranges.map { r in
            let lo = "\\x{" + String(r.lowerBound, radix: 16) + "}"
            return r.count == 1 ? lo : lo + "-\\x{" + String(r.upperBound, radix: 16) + "}"
        }.joined()
    }

    static let alnumRanges = ranges("alnum")
    private static let table: [String: String] = {
        var t: [String: String] = [:]
        for name in ["alpha", "upper", "lower", "space", "print", "punct", "graph", "cntrl", "blank"] { t[name] = render(ranges(name)) }
        t["alnum"] = render(alnumRanges)
        return t
    }()
    /// The classes that hold the line feed (space, cntrl), without it.
    private static let tableWithoutNewline: [String: String] = {
        var t: [String: String] = [:]
        for name in ["space", "cntrl"] {
            t[name] = render(ranges(name).flatMap { r -> [ClosedRange<UInt32>] in
                guard r.contains(0x0A) else { return [r] }
                var parts: [ClosedRange<UInt32>] = []
                if r.lowerBound < 0x0A { parts.append(r.lowerBound...0x09) }
                if r.upperBound > 0x0A { parts.append(0x0B...r.upperBound) }
                return parts
            })
        }
        return t
    }()

    /// The class's members as class text (without brackets); `excludingNewline` leaves the
    /// line feed out.
    static func text(_ name: String, excludingNewline: Bool = false) -> String {
        if excludingNewline, let t = tableWithoutNewline[name] { return t }
        return table[name] ?? ""
    }

    /// Whether `c` is a letter or digit of the locale (for `-w` on literals).
    static func isAlnum(_ c: UInt32) -> Bool {
        var lo = 0, hi = alnumRanges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if alnumRanges[mid].upperBound < c { lo = mid + 1 } else { hi = mid }
        }
        return lo < alnumRanges.count && alnumRanges[lo].contains(c)
    }
}

/// GNU grep's case folding in a UTF-8 locale: a character matches itself, its upper case, the
/// lower case of that, and the "lonesome" lower-case letters whose upper case is the same
/// (U+017F LONG S matches s and S; U+0131 DOTLESS I matches i and I; U+212A KELVIN SIGN
/// matches only itself, as in GNU grep 3.8). Case mappings are Unicode's single-character
/// mappings (as glibc's `towupper` and `towlower`).
struct CaseFolder {
    /// Lower-case letters that are not the lower case of their upper case (a Unicode fact
    /// list; GNU's dfa keeps the same one).
    static let lonesomeLower: [UInt32] = [0x00B5, 0x0131, 0x017F, 0x01C5, 0x01C8, 0x01CB, 0x01F2, 0x0345, 0x03C2,
                                          0x03D0, 0x03D1, 0x03D5, 0x03D6, 0x03F0, 0x03F1, 0x03F2, 0x03F5, 0x1E9B, 0x1FBE]

    func upper(_ c: UInt32) -> UInt32 {
        guard let s = Unicode.Scalar(c) else { return c }
        let m = s.properties.uppercaseMapping.unicodeScalars
        return m.count == 1 ? m.first!.value : c
    }

    func lower(_ c: UInt32) -> UInt32 {
        guard let s = Unicode.Scalar(c) else { return c }
        let m = s.properties.lowercaseMapping.unicodeScalars
        if m.count == 1 { return m.first!.value }
        return c == 0x0130 ? 0x69 : c
    }

    /// `c` and the characters that match it when case is ignored, or `nil` for none but `c`.
    func counterparts(_ c: UInt32) -> [UInt32]? {
        if c < 0x80 {
            // ASCII: the other case, and the lonesome letters that fold to it (s: U+017F, i: U+0131).
            let isUpper = c >= 0x41 && c <= 0x5A, isLower = c >= 0x61 && c <= 0x7A
            guard isUpper || isLower else { return nil }
            let up = isUpper ? c : c - 0x20
            var set = [c, isUpper ? c + 0x20 : c - 0x20]
            if up == 0x53 { set.append(0x017F) }
            if up == 0x49 { set.append(0x0131) }
            return set
        }
        let uc = upper(c)
        let lc = lower(uc)
        var set = [c]
        if uc != c { set.append(uc) }
        if lc != uc && lc != c && upper(lc) == uc { set.append(lc) }
        for l in Self.lonesomeLower where l != lc && l != uc && l != c && upper(l) == uc { set.append(l) }
        return set.count > 1 ? set : nil
    }
}
