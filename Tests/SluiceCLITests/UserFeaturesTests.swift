import Foundation
import XCTest

/// What users expect around the pipeline: JSON, statistics, colour, the progress line in a
/// real terminal (tmux), completions, the manual, and the example programs.
final class UserFeaturesTests: XCTestCase {
    /// Every line of `--json` parses; the objects come in order (begin, match..., end per file,
    /// then summary); text is the line, or base64 bytes when it is not UTF-8; submatches are
    /// the matched bytes.
    func testJSONLinesParseAndDescribeTheMatches() throws {
        let files = [fixture("text/non-utf8.log"), fixture("gzip/single.gz")]
        let r = try sluice(["grep", "--json", "-i", "error"] + files)
        XCTAssertEqual(r.status, 0)
        let objects = try r.text.split(separator: "\n").map { line -> [String: Any] in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try XCTUnwrap(object as? [String: Any], String(line))
        }
        let types = objects.map { $0["type"] as? String ?? "?" }
        XCTAssertEqual(types.first, "begin")
        XCTAssertEqual(types.last, "summary")
        XCTAssertEqual(types.filter { $0 == "begin" }.count, 2)
        XCTAssertEqual(types.filter { $0 == "end" }.count, 2)
        let grepCounts = try files.map { try shell("zcat -f \($0) | grep -a -c -i error").text.trimmingCharacters(in: .whitespacesAndNewlines) }
        let ends = objects.filter { $0["type"] as? String == "end" }.map { "\($0["selected_lines"] ?? "")" }
        XCTAssertEqual(ends, grepCounts)
        var sawBytes = false
        for object in objects where object["type"] as? String == "match" {
            let file = try XCTUnwrap(object["file"] as? String)
            let number = try XCTUnwrap(object["line_number"] as? Int)
            let expected = try shell("zcat -f \(file) | sed -n '\(number)p'").stdout.dropLast()
            let line: Data
            if let text = object["text"] as? String { line = Data(text.utf8) } else {
                line = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(object["bytes"] as? String)))
                sawBytes = true
            }
            XCTAssertEqual(line, Data(expected), "\(file):\(number)")
            let spans = try XCTUnwrap(object["submatches"] as? [[String: Int]])
            XCTAssertFalse(spans.isEmpty)
            for span in spans {
                let matched = String(decoding: line[line.startIndex + span["start"]! ..< line.startIndex + span["end"]!], as: UTF8.self)
                XCTAssertEqual(matched.lowercased(), "error")
            }
        }
        XCTAssertTrue(sawBytes, "non-utf8.log has lines that are not UTF-8")
        let summary = try XCTUnwrap(objects.last)
        XCTAssertEqual(summary["selected_lines"] as? Int, grepCounts.compactMap { Int($0) }.reduce(0, +))
    }

    /// `--stats` reports on standard error, after the output, whatever the verbs.
    func testStatsOnStandardError() throws {
        let r = try sluice(["--stats", "grep", "-c", "error", fixture("text/lf.log"), fixture("gzip/single.gz")])
        XCTAssertEqual(r.text, "\(fixture("text/lf.log")):33\n\(fixture("gzip/single.gz")):33\n")
        let rows = Dictionary(uniqueKeysWithValues: r.stderr.split(separator: "\n").map { line -> (String, String) in
            let name = String(line.prefix(16)).trimmingCharacters(in: .whitespaces)
            return (name, String(line.dropFirst(16)))
        })
        let plain = try Data(contentsOf: URL(fileURLWithPath: fixture("text/lf.log"))).count
        let gzip = try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/single.gz"))).count
        XCTAssertEqual(rows["files"], "2")
        XCTAssertEqual(rows["bytes read"]?.split(separator: " ").first.map(String.init), "\(plain + gzip)")
        XCTAssertEqual(rows["bytes inflated"]?.split(separator: " ").first.map(String.init), "\(2 * plain)")
        XCTAssertEqual(rows["lines scanned"], "400")
        XCTAssertEqual(rows["lines selected"], "66")
        XCTAssertNotNil(rows["elapsed"])
        XCTAssertNotNil(rows["throughput"])
        XCTAssertEqual(try sluice(["grep", "-c", "error", fixture("text/lf.log")]).stderr, "", "no statistics unless asked")
    }

    /// Colour is off into pipes unless forced; `always` colours names, numbers and separators.
    func testColourIntoPipes() throws {
        let plain = try sluice(["grep", "-n", "-H", "error", fixture("text/lf.log")])
        XCTAssertFalse(plain.text.contains("\u{1B}["))
        let forced = try sluice(["grep", "--color=always", "-n", "-H", "error", fixture("text/lf.log")])
        XCTAssertTrue(forced.text.contains("\u{1B}[35m\u{1B}[K"), "file name in magenta")
        XCTAssertTrue(forced.text.contains("\u{1B}[32m\u{1B}[K"), "line number in green")
        XCTAssertTrue(forced.text.contains("\u{1B}[36m\u{1B}[K:"), "separator in cyan")
    }

    // MARK: In a terminal (tmux)

    /// On a terminal, matches are coloured by default; NO_COLOR turns that off.
    func testColourOnATerminalAndNoColor() throws {
        let terminal = try Terminal()
        defer { terminal.close() }
        let screen = terminal.run("$SLUICE grep -n refused \(fixture("text/lf.log")); echo done", until: "done")
        XCTAssertTrue(screen.contains("31mrefused"), "the match is red: \(screen)")
        XCTAssertTrue(screen.contains("32m11"), "the line number is green: \(screen)")
        let plain = terminal.run("NO_COLOR=1 $SLUICE grep -n refused \(fixture("text/lf.log")); echo second", until: "second")
        let lines = plain.split(separator: "\n").map(String.init)
        let doneLine = lines.lastIndex { Terminal.visible($0) == "done" } ?? 0
        let after = lines[(doneLine + 1)...].joined(separator: "\n")
        XCTAssertTrue(after.contains("refused"), plain)
        XCTAssertFalse(after.contains("31m"), "NO_COLOR: \(after)")
    }

    /// The progress line: drawn on standard error when it is a terminal, with bytes of the
    /// total, percent, throughput and times, and erased at the end. Never drawn into a pipe.
    func testProgressLineInATerminal() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.log").path
        _ = try shell("yes 'a log line that is long enough to make a big file quickly' | head -c 104857600 > \(big)")
        let terminal = try Terminal()
        defer { terminal.close() }
        // The reader of the output waits 3 s, so reading stalls at a few MiB of the 100 MiB.
        terminal.send("$SLUICE cat \(big) | (sleep 3; cat > /dev/null); echo finished")
        var during = ""
        for _ in 0..<40 {
            usleep(100_000)
            during = terminal.screen()
            if during.contains("100.0 MiB") { break }
        }
        XCTAssertNotNil(during.range(of: #"[0-9.]+ [KMG]iB / 100.0 MiB  [0-9]+%  [0-9.]+ [KMG]?i?B/s  0:0[0-9] elapsed"#, options: .regularExpression), during)
        let after = terminal.waitFor("finished")
        XCTAssertFalse(after.contains("100.0 MiB"), "the line is erased at the end: \(after)")
        let piped = try shell("$SLUICE --progress cat \(big) > /dev/null 2> \(dir.path)/err; $SLUICE cat \(big) 2>&1 >/dev/null | wc -c")
        XCTAssertEqual(piped.text.trimmingCharacters(in: .whitespacesAndNewlines), "0", "nothing on a standard error that is not a terminal")
    }

    // MARK: Completions and manual

    func testCompletionScriptsAndManual() throws {
        for shellName in ["bash", "zsh", "fish"] {
            let r = try sluice(["--generate-completion-script", shellName])
            XCTAssertEqual(r.status, 0, shellName)
            XCTAssertTrue(r.text.contains("grep") && r.text.contains("invert-match"), shellName)
        }
        let bash = try sluice(["--generate-completion-script", "bash"])
        let check = try runProgram("/bin/bash", ["-n"], stdin: bash.stdout)
        XCTAssertEqual(check.status, 0, "the bash script parses: \(check.stderr)")
        XCTAssertEqual(try sluice(["--generate-completion-script", "tcsh"]).status, 2)
        let manual = try sluice(["--generate-manual"])
        XCTAssertTrue(manual.text.hasPrefix(".TH SLUICE 1"))
        for section in ["GREP", "TAIL", "EXIT STATUS"] { XCTAssertTrue(manual.text.contains(".SH \"\(section)\""), section) }
        XCTAssertTrue(manual.text.contains("--invert-match"))
    }

    // MARK: Examples

    func testErrorsPerHourExample() throws {
        let r = try runProgram(example("errors-per-hour"), [fixture("demo")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let rows = r.text.split(separator: "\n")
        XCTAssertEqual(rows.first, "2024-05-13T00:00  14")
        let total = rows.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +)
        let demo = ["app.log.2.gz", "app.log.1.gz", "app.log"].map { fixture("demo/" + $0) }.joined(separator: " ")
        XCTAssertEqual("\(total)\n", try shell("zcat -f \(demo) | grep -a -c -E 'ERROR|error'").text)

        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try shell("cp \(fixture("demo/app.log")) \(dir.path)/app.log && head -c 5000 \(fixture("demo/app.log.1.gz")) > \(dir.path)/app.log.1.gz")
        let damaged = try runProgram(example("errors-per-hour"), [dir.path])
        XCTAssertEqual(damaged.status, 2, "a damaged file is reported and sets the status")
        XCTAssertTrue(damaged.stderr.hasPrefix("errors-per-hour: \(dir.path)/app.log.1.gz: truncated gzip input at byte 5000"), damaged.stderr)
        XCTAssertFalse(damaged.text.isEmpty, "the other file is still counted")
    }

    func testDecompressStdinExample() throws {
        let members = try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/three-members.gz")))
        let r = try runProgram(example("decompress-stdin"), [], stdin: members)
        XCTAssertEqual(r.stdout, try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/three-members.expected"))))
        let cut = try runProgram(example("decompress-stdin"), [], stdin: try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/truncated-body.gz"))))
        XCTAssertEqual(cut.status, 1)
        XCTAssertEqual(cut.stdout, try Data(contentsOf: URL(fileURLWithPath: fixture("gzip/truncated-body.expected"))))
        XCTAssertEqual(cut.stderr, "decompress-stdin: (standard input): truncated gzip input at byte 1923\n")
    }

    func testFollowAndForwardExample() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("live.log").path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("old ERROR line\n".utf8)))
        let r = try shell("""
            \(example("follow-and-forward")) \(path) ERROR --max 2 > \(dir.path)/out &
            pid=$!
            sleep 0.5
            printf 'fine\\nnew ERROR one\\n' >> \(path)
            mv \(path) \(path).1
            printf 'fresh file\\nnew ERROR two\\n' > \(path)
            wait $pid; echo "status $?"; cat \(dir.path)/out
            """)
        XCTAssertEqual(r.text, "status 0\nforward: new ERROR one\nforward: new ERROR two\n")
    }

    private func example(_ name: String) -> String {
        URL(fileURLWithPath: sluiceBinary).deletingLastPathComponent().appendingPathComponent(name).path
    }
}

/// A real terminal: a detached tmux session running bash, with `SLUICE` set.
final class Terminal {
    private let name = "sluice-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

    init() throws {
        // Under ThreadSanitizer, Foundation's Process once never saw tmux's client exit (the
        // test hung in waitUntilExit); these tests check the screen, not threads or memory.
        if runningUnderSanitizer { throw XCTSkip("terminal tests do not run under a sanitizer") }
        guard Self.shell("command -v tmux >/dev/null").status == 0 else {
            throw XCTSkip("tmux is not installed")
        }
        // popen/pclose rather than Foundation's Process: Process once missed the exit of the
        // shell that starts tmux's server and waited for ever.
        let started = Self.shell("tmux new-session -d -s \(name) -x 200 -y 50 "
            + "\"env -u NO_COLOR SLUICE=\(sluiceBinary) TERM=xterm-256color PS1='$ ' bash --norc --noprofile\" < /dev/null > /dev/null 2>&1")
        XCTAssertEqual(started.status, 0)
        usleep(200_000)
    }

    /// Runs a shell command with popen; its standard output and exit status.
    static func shell(_ command: String) -> (output: String, status: Int32) {
        guard let pipe = popen(command, "r") else { return ("", -1) }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, pipe)
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        let status = pclose(pipe)
        return (String(decoding: output, as: UTF8.self), status == 0 ? 0 : Int32(truncatingIfNeeded: status >> 8))
    }

    /// `text` quoted for the shell.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    func send(_ command: String) {
        _ = Self.shell("tmux send-keys -t \(name) \(Self.quoted(command)) Enter")
    }

    /// The screen, with colour escapes.
    func screen() -> String {
        Self.shell("tmux capture-pane -e -p -t \(name)").output
    }

    /// Waits (up to 20 s) until `marker` is on the screen at the start of a line, and returns the screen.
    func waitFor(_ marker: String) -> String {
        var text = ""
        for _ in 0..<200 {
            text = screen()
            if Self.visible(text).split(separator: "\n").contains(where: { $0.hasPrefix(marker) }) { return text }
            usleep(100_000)
        }
        return text
    }

    func run(_ command: String, until marker: String) -> String {
        send(command)
        return waitFor(marker)
    }

    /// `text` without its colour escapes.
    static func visible(_ text: String) -> String {
        text.replacingOccurrences(of: "\u{1B}\\[[0-9;]*[A-Za-z]", with: "", options: .regularExpression)
    }

    func close() {
        _ = Self.shell("tmux kill-session -t \(name) 2>/dev/null")
    }
}
