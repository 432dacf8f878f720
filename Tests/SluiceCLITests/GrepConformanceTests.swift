import Foundation
import XCTest

/// `sluice grep` against GNU grep (C locale, `-a`; `-P` for regex patterns, `-F` for fixed
/// strings) over a matrix of options, patterns and inputs: output bytes and exit status must agree.
final class GrepConformanceTests: XCTestCase {
    static let options: [[String]] = [
        [], ["-i"], ["-v"], ["-w"], ["-x"], ["-c"], ["-n"], ["-b"], ["-o"], ["-m", "2"], ["-A", "2"], ["-B", "1"],
        ["-C", "1"], ["-n", "-C", "2"], ["-c", "-v"], ["-i", "-w", "-n"], ["-o", "-b", "-n"], ["-l"], ["-H"], ["-h", "-n"],
        ["-v", "-n", "-A", "1"], ["-m", "1", "-A", "2"], ["-c", "-m", "3"], ["-in"], ["-A1", "-B2"], ["-x", "-v", "-c"],
    ]
    static let fixed = ["error", "Failed password", "e", "xyz-not-there"]
    static let regex = ["err(or|ors)", "^\\d{4}-", "timeout|refused", "[0-9]+ms\\b", "e.r", "^$"]
    static let fileSets = [["lf.log"], ["crlf.log"], ["no-final-newline.log"], ["lf.log", "crlf.log", "mixed.log"],
                           ["numbers.log"], ["non-utf8.log", "nul.log", "blank-lines.log", "empty.log"], ["large.log", "lf.log"]]

    var plainDir: URL!
    var gzipDir: URL!

    override func setUpWithError() throws {
        plainDir = try temporaryDirectory()
        gzipDir = try temporaryDirectory()
        let text = fixturesDir.appendingPathComponent("text")
        for name in try FileManager.default.contentsOfDirectory(atPath: text.path) {
            try FileManager.default.copyItem(at: text.appendingPathComponent(name), to: plainDir.appendingPathComponent(name))
        }
        // Short lines: many line endings per block, for -n and -c.
        let numbers = (1...5000).map { $0 % 7 == 0 ? "\($0) error" : "\($0)" }.joined(separator: "\n") + "\n"
        try Data(numbers.utf8).write(to: plainDir.appendingPathComponent("numbers.log"))
        // Several chunks (about 3.5 MB): a plain file this large is read and searched in one
        // task, gzip input in two; lines cross the 1 MiB chunk boundaries, some end in CR.
        var large = ""
        for i in 1...60_000 {
            large += "\(i) " + String(repeating: "x", count: i % 97)
            if i % 13 == 0 { large += " error" }
            if i % 17 == 0 { large += " Failed password 12ms" }
            large += i % 101 == 0 ? "\r\n" : "\n"
        }
        try Data(large.utf8).write(to: plainDir.appendingPathComponent("large.log"))
        // The same files gzip-compressed, under the same names (so prefixes agree).
        let result = try shell("for f in *; do gzip -c \"$f\" > \"\(gzipDir.path)/$f\"; done", directory: plainDir)
        XCTAssertEqual(result.status, 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: plainDir)
        try? FileManager.default.removeItem(at: gzipDir)
    }

    struct Case { let grep: [String]; let sluice: [String]; let gzip: Bool }

    func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Runs every case in one shell (process start-up dominates otherwise) and compares the
    /// output bytes and exit statuses of each pair.
    ///
    /// Under a sanitizer (`make check`) one case in ten runs: each sanitized process takes
    /// about a second to start, and the matrix checks output, not threads or memory.
    func check(_ allCases: [Case]) throws {
        let cases = runningUnderSanitizer ? allCases.enumerated().filter { $0.offset % 10 == 0 }.map(\.element) : allCases
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        var script = "export LC_ALL=C\n"
        for (i, c) in cases.enumerated() {
            script += "cd \(quote(plainDir.path)); grep \(c.grep.map(quote).joined(separator: " ")) > \(out.path)/\(i).grep 2>&1; echo $? >> \(out.path)/\(i).grep\n"
            script += "cd \(quote((c.gzip ? gzipDir : plainDir).path)); \"$SLUICE\" grep \(c.sluice.map(quote).joined(separator: " ")) > \(out.path)/\(i).sluice 2>&1; echo $? >> \(out.path)/\(i).sluice\n"
        }
        let scriptFile = out.appendingPathComponent("cases.sh")
        try Data(script.utf8).write(to: scriptFile)
        let result = try shell("bash \(quote(scriptFile.path))")
        XCTAssertEqual(result.status, 0, result.stderr)
        var failures = 0
        for (i, c) in cases.enumerated() {
            let expected = try Data(contentsOf: out.appendingPathComponent("\(i).grep"))
            let ours = try Data(contentsOf: out.appendingPathComponent("\(i).sluice"))
            if expected != ours {
                failures += 1
                if failures <= 10 {
                    XCTFail("grep \(c.grep.joined(separator: " "))\(c.gzip ? " (gzip input)" : ""): output and status (last line) differ\n--- grep\n"
                            + String(decoding: expected.prefix(600), as: UTF8.self) + "--- sluice\n" + String(decoding: ours.prefix(600), as: UTF8.self))
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(cases.count) cases differ")
    }

    func cases(options: [[String]], fixed: [String], regex: [String], fileSets: [[String]], gzip: Bool) -> [Case] {
        var all: [Case] = []
        for files in fileSets {
            for o in options {
                for (pattern, isFixed) in fixed.map({ ($0, true) }) + regex.map({ ($0, false) }) {
                    if pattern.isEmpty && o.contains("-v") { continue }  // GNU grep prints nothing for -c -v '' (a quirk)
                    all.append(Case(grep: ["-a", isFixed ? "-F" : "-P"] + o + ["-e", pattern] + files,
                                    sluice: ["-a", isFixed ? "-F" : "-P"] + o + ["-e", pattern] + files, gzip: gzip))
                }
            }
        }
        return all
    }

    func testMatrixOnPlainInput() throws {
        try check(cases(options: Self.options, fixed: Self.fixed, regex: Self.regex, fileSets: Self.fileSets, gzip: false))
    }

    func testMatrixOnGzipInput() throws {
        try check(cases(options: Self.options, fixed: ["error"], regex: ["timeout|refused"],
                        fileSets: [["lf.log"], ["lf.log", "crlf.log", "mixed.log"], ["numbers.log", "empty.log"], ["large.log"]], gzip: true))
    }

    func testStandardInputAndLabel() throws {
        let input = try Data(contentsOf: plainDir.appendingPathComponent("crlf.log"))
        let ours = try sluice(["grep", "-H", "--label=app", "-n", "error"], stdin: input)
        let theirs = try runProgram("/usr/bin/env", ["grep", "-H", "--label=app", "-n", "error"], stdin: input)
        XCTAssertEqual(ours.text, theirs.text)
        XCTAssertTrue(ours.text.hasPrefix("app:"))
    }
}

/// The pattern dialects against GNU grep 3.8: BRE (no flag) and ERE (`-E`), hand-written for
/// every GNU construct and generated from a small grammar, under `LC_ALL=C` and
/// `LC_ALL=C.UTF-8`, over real log lines, UTF-8 text (accents, CJK, emoji, case-folding
/// oddities), invalid UTF-8, empty lines and CRLF. Standard output, exit status and standard
/// error (after the program name) must agree, invalid patterns and warnings included.
///
/// Each case runs one process per tool on all inputs at once; the options rotate over the
/// patterns so every pattern meets several. Under a sanitizer one case in ten runs.
final class GrepDialectConformanceTests: XCTestCase {
    static let bre: [String] = [
        // alternation, repetition, intervals, groups, back-references
        "foo\\|bar", "Invalid\\|Failed\\|error", "\\(ba\\)r", "\\(ab\\)*c", "e\\+", "x\\?y", "s\\{2\\}", "[0-9]\\{1,3\\}\\.",
        "a\\{,3\\}b", "o\\{2,\\}", "\\([a-z]\\)\\1", "\\(.\\)\\(.\\)\\2\\1", "\\(a\\|b\\)\\1", "\\(\\)", "\\(\\|x\\)y", "a\\|",
        "\\|a", "\\(a\\|\\)b", "\\(s\\)\\{2\\}", "\\([0-9]\\+\\)\\.\\1",
        // anchors only where GNU reads them as anchors
        "^Dec", "^$", "^", "$", "s$", "a^b", "a$b", "^*", "\\(^a\\)", "x\\(^b\\)", "b$\\|^D", "^\\(Dec\\|Jun\\)",
        "\\(1$\\)", "$x", "^^", "$$",
        // leading * and friends are literal in a BRE
        "*", "*a", "\\(*a\\)", "a\\|*b", "\\+x", "\\?x", "\\{1\\}a", "a**", "x*\\{2\\}", "a\\{1\\}\\{2\\}",
        // word and line assertions, classes
        "\\<in", "ed\\>", "\\bto\\b", "\\Bor\\B", "\\w\\+", "\\W\\W", "\\s\\S", "\\S\\+@", "\\`D", "1\\'", "\\<\\w\\+\\>",
        // brackets
        "[[:digit:]]\\{4\\}", "[[:alpha:]]*", "[[:upper:]][[:lower:]]", "[[:space:]]", "[[:punct:]]\\{2\\}", "[[:alnum:]_]\\+",
        "[[:xdigit:]]\\{8\\}", "[[:blank:]]", "[[:cntrl:]]", "[[:print:]]", "[[:graph:]]\\{3\\}", "[]a]", "[^]a]", "[]-a]",
        "[a-]", "[-a]", "[--/]", "[^a-z]", "[^[:alnum:][:space:]]", "[\\]", "[\\n]", "[[.a.]]", "[[=e=]]", "[[.-.]]",
        "[a-a]", "[éü]", "[à-ÿ]", "[^ -~]", "[^a]", ".", "..*", "k", "s", "i", "ä", "Σ",
        // escaped ordinary and special characters
        "\\a", "\\d", "\\.", "\\*", "\\[", "\\]", "\\^", "\\$", "\\\\", "\\{", "\\}", "a{1}", "a+b", "a?", "(x)", "a|b",
        "\\/", "\\%", "\\-",
        // invalid
        "\\(a", "a\\)", "\\(a\\)\\2", "a\\{1", "a\\{1,x\\}", "a\\{2,1\\}", "a\\{\\}", "a\\{1x", "a\\{1}", "a\\", "[a",
        "[[:foo:]]", "[z-a]", "a[", "[", "[^", "[[.ab.]]", "[[=ab=]]", "[[:alpha:]-z]", "[a-z-0]", "[:space:]",
        "[[:alpha:]", "a\\{32768\\}", "\\(\\(\\(a\\)\\)",
        // plain strings, case and the locale's characters
        "sshd", "Failed password", "ÄRGER", "日本", "😀", "straße", "café", "Ω",
    ]

    static let ere: [String] = [
        "foo|bar", "Invalid|Failed|error", "(ba)r", "(ab)*c", "e+", "x?y", "s{2}", "[0-9]{1,3}\\.", "a{,3}b", "o{2,}",
        "([a-z])\\1", "(.)(.)\\2\\1", "(a|b)\\1", "()", "(|x)y", "a|", "|a", "(a|)b", "a||b", "|", "(s){2}",
        "ab|abcd", "a|ab|abc", "(a|ab)(c|bcd)", "(Dec|Dece)m", "[0-9]+|[0-9]+\\.[0-9]+", "in|input|input_",
        "^Dec", "^$", "^*", "x$y", "a^b", "(^|b)a", "(b|$)", "^(Dec|Jun)", "a$|^b", "()*", "(^)*x",
        "*a", "+a", "?a", "{1}a", "a|*b", "(*a)", "(+x)", "b(*a)", "a**", "a+?", "a*+", "a?*", "a{1}*", "a*{2}",
        "a{1,2}{3}", "a{1}{2}", "x{0}", "a{,}", "{", "a|{", "a{x}", "a{1", "a{1,2", "a{1,x}", "a{", "{}a", "a{1,2,3}",
        "a)", ")", "\\(", "\\)", "\\|", "\\{", "\\}", "\\+", "\\?",
        "\\<in", "ed\\>", "\\bto\\b", "\\Bor\\B", "\\w+", "\\W\\W", "\\s\\S", "\\`D", "1\\'", "\\<(\\w+) \\1\\>",
        "[[:digit:]]{4}", "[[:alpha:]]+", "[[:upper:]][[:lower:]]+", "[]a]", "[^]a]", "[^[:alnum:]]", "[^a-z]+",
        "[a-z]+ing", "[é-ü]", "[^ -~]+", ".{3}", "(.)\\1", ".?", "\\.", "\\a", "\\d",
        "(a", "a{}", "a{2,1}", "(a)\\2", "a\\", "[a", "[[:foo:]]", "[z-a]", "a[", "[^", "[[.ab.]]", "[:alpha:]",
        "a{32768}", "((a)", "(", "[[:alpha:]-]", "[a-z-0]",
        "ÄRGER|日本|😀", "straße|Ω", "σ", "K", "ſ", "ı",
    ]

    static let options: [[String]] = [
        [], ["-c"], ["-o"], ["-n"], ["-i"], ["-w"], ["-x"], ["-v", "-c"], ["-b", "-o"], ["-o", "-i"], ["-n", "-w"],
        ["-i", "-x"], ["-o", "-w"], ["-c", "-i", "-w"], ["-o", "-b", "-n"], ["-v", "-n"],
    ]

    /// Patterns from a small grammar over the characters of the inputs, written as a BRE and as
    /// the same ERE (seeded: the same cases every run).
    static func generated(count: Int, seed: UInt64) -> [(bre: String, ere: String)] {
        var state = seed
        func next(_ n: Int) -> Int {
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
        let atoms = ["a", "e", "s", "i", "o", "n", "t", "r", "D", "S", "I", "0", "1", "2", " ", ":", ".", "-", "é", "日",
                     "[aeiou]", "[^a-z]", "[[:digit:]]", "[[:alpha:]]", "[[:space:]]", "[[:upper:]]", "[0-9a-f]", "\\w", "\\W",
                     "\\s", "\\S"]
        func piece(_ depth: Int) -> (String, String) {
            switch next(10) {
            case 0 where depth < 2:
                let (a1, a2) = branch(depth + 1), (b1, b2) = branch(depth + 1)
                return ("\\(" + a1 + "\\|" + b1 + "\\)", "(" + a2 + "|" + b2 + ")")
            case 1 where depth < 2:
                let (a1, a2) = branch(depth + 1)
                return ("\\(" + a1 + "\\)", "(" + a2 + ")")
            default:
                let a = atoms[next(atoms.count)]
                return (a, a)
            }
        }
        func quantified(_ depth: Int) -> (String, String) {
            let (b, e) = piece(depth)
            switch next(9) {
            case 0: return (b + "*", e + "*")
            case 1: return (b + "\\+", e + "+")
            case 2: return (b + "\\?", e + "?")
            case 3: let m = next(3); return (b + "\\{\(m),\(m + next(3))\\}", e + "{\(m),\(m + next(3))}")
            case 4: let n = 1 + next(3); return (b + "\\{,\(n)\\}", e + "{,\(n)}")
            default: return (b, e)
            }
        }
        func branch(_ depth: Int) -> (String, String) {
            var b = "", e = ""
            if next(8) == 0 { b += "^"; e += "^" }
            if next(10) == 0 { b += "\\<"; e += "\\<" }
            for _ in 0..<(1 + next(4)) {
                let (x, y) = quantified(depth)
                b += x
                e += y
            }
            if next(10) == 0 { b += "\\>"; e += "\\>" }
            if next(8) == 0 { b += "$"; e += "$" }
            return (b, e)
        }
        return (0..<count).map { _ in
            var (b, e) = branch(0)
            if next(4) == 0 { let (x, y) = branch(0); b += "\\|" + x; e += "|" + y }
            return (b, e)
        }
    }

    /// Cases known to differ, each for a reason the README's "Differences from GNU grep" gives:
    /// GNU grep reports `-o` extents with glibc's regex, which reads an ERE's leading `{...}`
    /// otherwise than its line matcher does (Sluice now finds such extents as glibc reads the
    /// pattern, so `{1}a` agrees; `a|{`, an invalid brace, still differs); and with `-w` GNU
    /// retries shorter matches at the same start before moving on, where sluice takes the longest match with word edges around it
    /// (the selected lines are the same; some `-o -w` and `-x` extents of nested repeats differ).
    /// They must still differ (a fix shows here, and the entry goes).
    static let knownDifferences: Set<String> = [
        "LC_ALL=C.UTF-8 '-o' '-e' '\\(r\\{2,4\\}e\\+\\|:\\{,3\\}[^a-z]*[[:upper:]]*D\\?\\)\\(t*-\\{2,2\\}é\\|^\\s\\{,1\\}\\)\\+:\\?'",
        "LC_ALL=C.UTF-8 '-x' '-e' '[0-9a-f]\\(\\(0\\S\\{,2\\}[[:upper:]]*\\)\\([[:alpha:]]\\?\\w\\|é\\?s*I\\{1,2\\}s\\?\\)\\(:a*[[:alpha:]][^a-z]\\)\\|i\\+\\(n\\{,2\\}日\\{,1\\}0\\{,2\\}[aeiou]\\+$\\|n\\{,2\\}-\\?[[:space:]]*\\)\\(0\\?e\\?\\)[[:upper:]]\\)[[:alpha:]]\\+1\\{,1\\}\\|\\(0\\{,3\\}é\\(é-\\>\\|1*\\)[[:alpha:]]*\\|\\S[[:upper:]]0\\+a\\)\\{1,2\\}[[:upper:]]$'",
        "LC_ALL=C.UTF-8 '-E' '-b' '-o' '-e' 'a|{'",
        "LC_ALL=C '-E' '-o' '-b' '-n' '-e' '(r{2,3}e+|:{,3}[^a-z]*[[:upper:]]*D?)(t*-{2,4}é|^\\s{,1})+:?'",
        "LC_ALL=C '-E' '-o' '-e' '\\s(\\<I([[:alpha:]]?|t+)?([[:upper:]]*[0-9a-f]-{1,1})?)+'",
        "LC_ALL=C.UTF-8 '-E' '-o' '-e' '1{2,4}(^([0-9a-f]?|\\<i{,2}.+\\>$)D[[:digit:]]i\\>|(\\<[[:upper:]]+Si+)?(n+1[aeiou]{,1}[[:digit:]]$)?n-*)(\\S+(a)[0-9a-f][aeiou]{,1}|(a+\\W?)?\\>)+D\\>|^(2::) {,1}'",
        "LC_ALL=C.UTF-8 '-E' '-i' '-e' 'é[[:digit:]]*|^\\<(r\\W+[aeiou]+S+|1*[[:space:]]?1\\>){,3}'",
        "LC_ALL=C.UTF-8 '-E' '-n' '-w' '-e' '.r(e2{,1}(\\s {0,2}日{,3}$|n\\S{,2}[[:alpha:]]-*\\>)|\\<\\S)(^o?0I*t|.*)+|[[:alpha:]]{0,1}\\>'",
    ]

    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory()
        let loghub = packageRoot.appendingPathComponent("../shared/data/loghub")
        var logs = ""
        for name in ["OpenSSH_2k.log", "Linux_2k.log", "Apache_2k.log", "HDFS_2k.log"] {
            let text = (try? String(contentsOf: loghub.appendingPathComponent(name), encoding: .utf8)) ?? ""
            logs += text.split(separator: "\n", omittingEmptySubsequences: false).prefix(120).joined(separator: "\n") + "\n"
        }
        if logs.count < 1000 {  // the shared samples are missing: real lines of the same shape
            logs = "Dec 10 06:55:46 LabSZ sshd[24200]: Invalid user webmaster from 173.234.31.186\n"
                + "Dec 10 07:02:47 LabSZ sshd[24203]: Failed password for root from 5.36.59.76 port 42393 ssh2\n"
                + "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0 euid=0 tty=NODEVssh\n"
                + "[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6\n"
                + "081109 203518 143 INFO dfs.DataNode$DataXceiver: Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106\n"
        }
        let utf8 = """
            Ärger über Straße: ÄRGER, ärger, STRASSE, straße, ẞ
            café Café CAFÉ naïve façade déjà-vu résumé
            日本語のテキスト 中文 한국어 カタカナ
            emoji 😀 😀😀 👍🏽 done
            Kelvin: K (U+212A), k, K; long s: ſ, s, S; dotless ı, i, I, İ
            Greek: σ ς Σ Ω ω µ μ
            tabs\there and  two  spaces
            word_with_underscores and-dashes 123 4567 0x1f2e3d4c
            ab abcd abc aab abab acbd bcd
            aaa a{1}b *x {} a+b a?b (x) a|b \\ back\\slash [] ]a
            """
        try Data((logs + "\n\nempty lines above\n\n").utf8).write(to: dir.appendingPathComponent("logs.txt"))
        try Data((utf8 + "\n").utf8).write(to: dir.appendingPathComponent("utf8.txt"))
        var invalid = Data("caf\u{e9} ok\n".utf8)
        invalid.append(contentsOf: [0x63, 0x61, 0x66, 0xE9, 0x20, 0x78, 0x0A])  // Latin-1 é
        invalid.append(contentsOf: [0x61, 0xFF, 0x62, 0x20, 0xC3, 0x28, 0x20, 0xE2, 0x82, 0x20, 0x73, 0x73, 0x0A])
        invalid.append(contentsOf: [0xC0, 0xAF, 0x80, 0x61, 0x62, 0x63, 0x64, 0x20, 0xF0, 0x9F, 0x98, 0x0A])
        try invalid.write(to: dir.appendingPathComponent("invalid.txt"))
        try Data("Dec 10 error one\r\nab abcd\r\n\r\nlast line\r\n".utf8).write(to: dir.appendingPathComponent("crlf.txt"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    struct Case { let locale: String; let arguments: [String] }

    func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func allCases() -> [Case] {
        let generated = Self.generated(count: 120, seed: 12)
        let bre: [([String], String)] = Self.bre.map { ([], $0) } + generated.map { ([], $0.bre) }
        let ere: [([String], String)] = Self.ere.map { (["-E"], $0) } + generated.map { (["-E"], $0.ere) }
        var cases: [Case] = []
        for (n, (dialect, pattern)) in (bre + ere).enumerated() {
            for (k, locale) in ["C", "C.UTF-8"].enumerated() {
                // Each pattern meets one option set per locale, rotating through the list (the
                // generated ones one locale only): about 850 cases, each a process per tool.
                if n >= Self.bre.count && n < Self.bre.count + generated.count && (n + k) % 2 == 1 { continue }
                if n >= Self.bre.count + generated.count + Self.ere.count && (n + k) % 2 == 1 { continue }
                for j in 0..<1 {
                    let o = Self.options[(n + j + k * 7) % Self.options.count]
                    cases.append(Case(locale: locale, arguments: dialect + o + ["-e", pattern]))
                }
            }
        }
        return cases
    }

    func testDialectsAgainstGNUGrep() throws {
        let all = allCases()
        XCTAssertGreaterThanOrEqual(Set(all.map { $0.arguments.last! }).count, 400)
        let cases = runningUnderSanitizer ? all.enumerated().filter { $0.offset % 10 == 0 }.map(\.element) : all
        let out = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: out) }
        // Two shells, each on half the cases (the machine has two cores).
        var scripts = ["", ""]
        let files = "logs.txt utf8.txt invalid.txt crlf.txt"
        for (i, c) in cases.enumerated() {
            let args = c.arguments.map(quote).joined(separator: " ")
            scripts[i % 2] += "export LC_ALL=\(c.locale)\n"
                + "grep -a \(args) \(files) > \(out.path)/\(i).grep 2> \(out.path)/\(i).grep-err; echo $? >> \(out.path)/\(i).grep\n"
                + "\"$SLUICE\" grep -a \(args) \(files) > \(out.path)/\(i).sluice 2> \(out.path)/\(i).sluice-err; echo $? >> \(out.path)/\(i).sluice\n"
        }
        for (k, script) in scripts.enumerated() {
            try Data(script.utf8).write(to: out.appendingPathComponent("cases\(k).sh"))
        }
        let result = try shell("cd \(quote(dir.path)) && { bash \(out.path)/cases0.sh & bash \(out.path)/cases1.sh; wait; }")
        XCTAssertEqual(result.status, 0, result.stderr)
        var failures = 0
        var failed: [String] = []
        for (i, c) in cases.enumerated() {
            let expected = try Data(contentsOf: out.appendingPathComponent("\(i).grep"))
            let ours = try Data(contentsOf: out.appendingPathComponent("\(i).sluice"))
            // GNU writes "grep: MESSAGE", sluice "sluice: grep: MESSAGE".
            let expectedError = try String(decoding: Data(contentsOf: out.appendingPathComponent("\(i).grep-err")), as: UTF8.self)
            let ourError = try String(decoding: Data(contentsOf: out.appendingPathComponent("\(i).sluice-err")), as: UTF8.self)
                .replacingOccurrences(of: "sluice: grep: ", with: "grep: ")
            let name = "LC_ALL=\(c.locale) " + c.arguments.map(quote).joined(separator: " ")
            if Self.knownDifferences.contains(name) {
                XCTAssertTrue(expected != ours || expectedError != ourError, "now agrees with GNU grep: \(name)")
                continue
            }
            if expected != ours || expectedError != ourError {
                failures += 1
                failed.append(name)
                if failures <= 12 {
                    XCTFail("LC_ALL=\(c.locale) grep \(c.arguments.joined(separator: " ")): output, status (last line) or messages differ\n--- grep\n"
                            + expectedError + String(decoding: expected.prefix(800), as: UTF8.self)
                            + "--- sluice\n" + ourError + String(decoding: ours.prefix(800), as: UTF8.self))
                }
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(cases.count) cases differ:\n" + failed.joined(separator: "\n"))
    }
}
