import ArgumentParser
import Sluice

/// `fields a,b,c [FILE...]`: only those fields of each JSON or logfmt line.
struct FieldsVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fields", _superCommandName: "sluice",
        abstract: "Print only the fields NAMES (a,b,c) of each JSON or logfmt line, as logfmt or, with --json, as JSON.",
        usage: """
        sluice fields [--json] NAMES [FILE...]
        sluice ... then fields [--json] NAMES
        """,
        discussion: """
        Fields are printed in the order given. As logfmt (the default) a missing field is left \
        out and a line with none of them is dropped; with --json every line is an object with \
        every field, null when missing, as jq -c '{a,b}' prints it. Nested JSON keys are named \
        with dots (http.status). Lines that are neither JSON nor logfmt are dropped, malformed \
        ones too (counted by --stats).

        Examples:
          sluice fields ts,level,msg app.json
          sluice where 'status >= 500' app.logfmt then fields --json ts,path,status
        """,
        helpNames: [.long])

    @Flag(name: .customLong("json"), help: "Write JSON objects (jq -c) instead of logfmt.")
    var json = false
    @Flag(name: .customLong("no-decompress"), help: "Do not inflate compressed input.")
    var noDecompress = false
    @Argument(help: ArgumentHelp("The field names, comma-separated, then files to read as a first stage.", valueName: "NAMES-AND-FILES"))
    var arguments: [String] = []

    mutating func validate() throws {
        if arguments.isEmpty { throw ValidationError("no field NAMES given") }
    }
}

extension FieldsVerb: Verb {
    static var role: VerbRole { .lineStage }
    var inputFiles: [String] { Array(arguments.dropFirst()) }

    func configure(_ settings: inout InputSettings) { settings.decompress = !noDecompress }

    func compose(_ stream: LineStream, _ position: StagePosition) throws -> ComposedStage {
        let paths = try fieldPaths(arguments[0], verb: "fields")
        guard Set(paths).count <= 64 else { throw CLIError("fields: at most 64 different fields") }
        return ComposedStage(stream: fieldsStage(stream, paths, json ? .json : .logfmt, position.statistics))
    }
}

/// `a,b.c` as field paths.
func fieldPaths(_ text: String, verb: String) throws -> [FieldPath] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { name in
        guard let path = FieldPath(String(name)) else { throw CLIError("\(verb): '\(name)' is not a field name (in '\(text)')") }
        return path
    }
}

func fieldsStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ paths: [FieldPath], _ format: FieldsFormat,
                 _ st: PipelineStatistics?) -> LineStream {
    s.fields(paths, format: format, statistics: st)
}
