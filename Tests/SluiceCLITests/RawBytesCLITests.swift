import Foundation
import XCTest

/// File names and patterns that are not valid UTF-8 (a Latin-1 `caf\xE9.log`, `grep $'\xE9'`),
/// against GNU grep and head as the oracles: names are opened and printed with their own bytes,
/// under `-r` and as operands; a pattern byte is searched for as itself in the C locale, and
/// refused (status 2, nothing printed) in a UTF-8 locale, where GNU matches it as a byte.
/// Before, the names were changed to U+FFFD ("No such file or directory") and the patterns
/// silently matched nothing.
final class RawBytesCLITests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = try temporaryDirectory()
        let setUp = try shell("""
            mkdir -p d/sub && printf 'x one\\n' > d/$'caf\\xe9.log' && printf 'x two\\n' > d/plain.log \
            && printf 'x three\\n' > d/sub/$'\\xff\\xfe name' && printf '\\351\\n' > latin1.pat \
            && printf 'x one caf\\351\\n' > $'caf\\xe9.txt' && printf 'x two\\nCAF\\311 x\\n' > upper.txt
            """, directory: dir)
        XCTAssertEqual(setUp.status, 0, setUp.stderr)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Runs `arguments` (shell words) under GNU's tool and under sluice; output sorted where
    /// `sorted` (-r visits in readdir order, which GNU and sluice take alike, but sorting keeps
    /// the test about content).
    func compare(_ tool: String, _ arguments: String, locale: String = "C", sorted: Bool = false,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let sort = sorted ? " | LC_ALL=C sort" : ""
        let script = "export LC_ALL=\(locale); { \(tool) \(arguments); echo \"status $?\"; } 2>&1\(sort)"
        let gnu = try shell(script, directory: dir)
        let ours = try shell("export LC_ALL=\(locale); { \"$SLUICE\" \(tool) \(arguments); echo \"status $?\"; } 2>&1\(sort)",
                             directory: dir)
        // GNU writes "grep: MESSAGE"; sluice "sluice: grep: MESSAGE", or "sluice: FILE: ..." for a file.
        let mine = Data(ours.stdout.split(separator: 0x0A, omittingEmptySubsequences: false).map { l -> Data in
            let prefix = Data("sluice: ".utf8), toolPrefix = Data("\(tool): ".utf8)
            guard l.starts(with: prefix) else { return Data(l) }
            let rest = Data(l.dropFirst(prefix.count))
            return rest.starts(with: toolPrefix) ? rest : toolPrefix + rest
        }.joined(separator: [0x0A]))
        XCTAssertEqual(mine, gnu.stdout, "LC_ALL=\(locale) \(tool) \(arguments):\n--- GNU\n\(gnu.text)--- sluice\n\(ours.text)",
                       file: file, line: line)
    }

    func testNamesThatAreNotUTF8AreOpenedAndPrintedAsTheyAre() throws {
        for locale in ["C", "C.UTF-8"] {
            try compare("grep", "-r x d", locale: locale, sorted: true)
            try compare("grep", "-rl x d", locale: locale, sorted: true)
            try compare("grep", "-rc x d", locale: locale, sorted: true)
            try compare("grep", "-rn --include=$'caf\\xe9*' x d", locale: locale, sorted: true)
            try compare("grep", "-r --exclude=$'\\xff*' x d", locale: locale, sorted: true)
            try compare("grep", "-H x d/$'caf\\xe9.log' d/plain.log", locale: locale)
            try compare("grep", "x d/$'caf\\xe9.nope' d/$'caf\\xe9.log'", locale: locale)
            try compare("head", "-n 1 d/plain.log d/$'caf\\xe9.log'", locale: locale)
        }
    }

    func testPatternBytesAreSearchedForInTheCLocale() throws {
        for arguments in ["-c $'\\xe9' $'caf\\xe9.txt' upper.txt", "-o $'caf\\xe9' $'caf\\xe9.txt'",
                          "-c -F -e $'\\xe9' -e zzz $'caf\\xe9.txt'", "-c -E $'caf\\xe9|two' $'caf\\xe9.txt' upper.txt",
                          "-c $'[\\xe9\\xc9]' $'caf\\xe9.txt' upper.txt", "-c -i $'\\xe9' $'caf\\xe9.txt' upper.txt",
                          "-c -f latin1.pat $'caf\\xe9.txt' upper.txt", "-c -P $'caf\\xe9' $'caf\\xe9.txt'",
                          "-c -w $'caf\\xe9' $'caf\\xe9.txt'", "-c -x $'x one caf\\xe9' $'caf\\xe9.txt'"] {
            try compare("grep", arguments)
        }
    }

    func testPatternBytesAreRefusedInAUTF8Locale() throws {
        for arguments in ["-c $'\\xe9' upper.txt", "-c -F $'caf\\xe9' upper.txt", "-c -f latin1.pat upper.txt"] {
            let r = try shell("LC_ALL=C.UTF-8 \"$SLUICE\" grep \(arguments)", directory: dir)
            XCTAssertEqual(r.status, 2, arguments)
            XCTAssertEqual(r.stdout, Data(), arguments)
            XCTAssertTrue(r.stderr.contains("not valid UTF-8") && r.stderr.contains("\\xE9"), r.stderr)
        }
    }
}
