import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// `where EXPR [FILE...]`: the lines of a JSON or logfmt log whose fields satisfy EXPR.
struct WhereVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "where", _superCommandName: "sluice",
        abstract: "Keep the lines of a JSON Lines or logfmt log whose fields satisfy EXPR.",
        usage: """
        sluice where [OPTIONS] EXPR [FILE...]
        sluice ... then where [OPTIONS] EXPR
        """,
        discussion: """
        Each line is read as a JSON object or as logfmt pairs (told apart per line); a dotted \
        name is a nested key in JSON (http.status) and a whole key in logfmt. EXPR compares \
        fields with literals: == != < <= > >= on strings ('a' or "a"), numbers and times \
        (unquoted: 2024-05-13T08:00:00Z, 2024-05-13, now-2h, today), ~ and !~ with a PCRE2 regex, \
        field in ("a", "b"), has(field), and/or/not, parentheses. A missing field or a value of \
        another type makes a comparison false (and != true). A line that is neither JSON nor \
        logfmt has no fields; a line that starts as JSON or logfmt but does not parse is skipped \
        (counted by --stats). A key given twice: the last one counts.

        Examples:
          sluice where 'level == "error" and status >= 500' app.json
          sluice cat app.log.gz then where 'http.status in (502, 503) and not has(retry)'
          sluice where 'ts >= 2024-05-13T08:00:00Z and msg ~ "time(d )?out"' app.logfmt
        """,
        helpNames: [.long])

    @OptionGroup var time: TimeOptions
    @Flag(name: .customLong("no-decompress"), help: "Do not inflate compressed input.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("The expression, then files to read as a first stage.", valueName: "EXPR-AND-FILES"))
    var arguments: [String] = []

    mutating func validate() throws {
        if arguments.isEmpty { throw ValidationError("no EXPR given") }
    }
}

extension WhereVerb: Verb {
    static var role: VerbRole { .lineStage }
    var inputFiles: [String] { Array(arguments.dropFirst()) }

    func configure(_ settings: inout InputSettings) { settings.decompress = !noDecompress }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        let expression = try fieldExpression(arguments[0], verb: "where", time: time, position)
        return ComposedStage(stream: whereStage(stream, expression, position.statistics))
    }
}

/// Parses a field expression; one that does not parse is a message with a caret under the
/// fault, and status 2.
func fieldExpression(_ text: String, verb: String, time: TimeOptions, _ position: StagePosition) throws -> FieldExpression {
    let parser = try stageParser(time, position)
    var spec = timespec()
    clock_gettime(CLOCK_REALTIME, &spec)
    let now = Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec / 1000)
    let encoding = localeEncoding()
    if let (offset, reason) = FieldExpression.diagnose(text, now: now, parser: parser, encoding: encoding) {
        let column = String(decoding: Array(text.utf8).prefix(offset), as: UTF8.self).count
        throw CLIError("\(verb): \(reason)\n  \(text)\n  \(String(repeating: " ", count: column))^")
    }
    do {
        return try FieldExpression(text, now: now, parser: parser, encoding: encoding)
    } catch {
        throw CLIError("\(verb): \(error)")
    }
}

func whereStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ e: FieldExpression, _ st: PipelineStatistics?) -> LineStream {
    s.whereFields(e, statistics: st)
}
