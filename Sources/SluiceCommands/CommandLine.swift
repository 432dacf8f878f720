import ArgumentParser
import Sluice


let version = "0.1.0"

let overview = """
sluice \(version): stream big logs through composable stages.

USAGE: sluice VERB [OPTIONS] [ARGS] [then VERB [OPTIONS] [ARGS]]...

The first stage reads FILEs (standard input when there are none, or for -), inflating gzip \
input whatever its name. Stages are chained with the word 'then'.

VERBS:
\(verbRegistry.map { "  " + $0.name + String(repeating: " ", count: max(1, 9 - $0.name.count)) + $0.configuration.abstract }.joined(separator: "\n"))

EXAMPLES:
  sluice grep -i 'timeout|refused' app.log.1.gz app.log
  sluice cat app.log.1.gz app.log then grep -E -i 'timeout|refused' then grep -v healthcheck then head -n 20
  sluice cat access.log.gz then grep ' 500 ' then count
  sluice cat app.log then grep ERROR then gzip > errors.gz

PIPELINE OPTIONS (anywhere on the line):
  --stats        Print files, bytes read and inflated, lines scanned and selected, time
                 and throughput on standard error at the end
  --progress     Show a progress line on standard error (default: when it is a terminal)
  --no-progress  Never show it

See 'sluice help VERB' or 'sluice VERB --help' for a verb's options.
The word 'then' always separates stages: to search for it, write --regexp=then.
Shell completions: sluice --generate-completion-script bash|zsh|fish. Manual: sluice --generate-manual.

"""

/// Runs the command line `arguments` (without the program name): parses the verbs and runs
/// the pipeline; returns the exit status (128 + N when signal N stopped it).
package func runCommandLine(_ arguments: [String]) async -> Int32 {
    guard let first = arguments.first else {
        printError("no verb given\n\n" + overview)
        return 2
    }
    switch first {
    case "--help", "-h":
        print(overview, terminator: "")
        return 0
    case "help" where arguments.count == 1:
        print(overview, terminator: "")
        return 0
    case "help":
        let name = arguments[1]
        guard let verb = verbRegistry.first(where: { $0.name == name }) else { return unknownVerb(name) }
        print(verb.helpMessage())
        return 0
    case "--generate-completion-script":
        guard arguments.count == 2, let shell = CompletionShell(rawValue: arguments[1]) else {
            printError("--generate-completion-script takes one of: bash, zsh, fish")
            return 2
        }
        print(SluiceCommand.completionScript(for: shell))
        return 0
    case "--generate-manual":
        print(manualPage(), terminator: "")
        return 0
    case "--version":
        print("sluice \(version)")
        return 0
    default:
        break
    }
    let plan: Plan
    do {
        plan = try Plan(parsing: arguments)
    } catch let exit as ParseExit {
        return exit.status
    } catch {
        printError("\(error)")
        return 2
    }
    // SIGINT and SIGTERM stop the input as if it ended (see StopSignals).
    let signals = StopSignals()
    let status = await plan.run(stop: signals.token)
    return signals.exitStatus(status)
}

/// Reports a verb that does not exist, with a suggestion; returns status 2.
func unknownVerb(_ name: String) -> Int32 {
    var message = "unknown verb '\(name)'"
    if let guess = suggestion(for: name, among: verbRegistry.map { $0.name }) { message += "; did you mean '\(guess)'?" }
    printError(message + " (see 'sluice --help')")
    return 2
}

/// Parsing stopped: help was printed (status 0) or an error was (status 2).
struct ParseExit: Error { let status: Int32 }


/// The verbs as one command, for generating shell completions (the pipeline itself is parsed
/// stage by stage in ``Plan``).
struct SluiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Stream big logs through composable stages.",
        version: version,
        subcommands: verbRegistry)
}

/// A man page (roff) made from the overview and each verb's help.
func manualPage() -> String {
    func roff(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = line.map { $0 == "\\" ? "\\e" : String($0) }.joined()
            if line.hasPrefix(".") || line.hasPrefix("'") { line = "\\&" + line }
            return line
        }.joined(separator: "\n")
    }
    var page = ".TH SLUICE 1 \"\" \"sluice \(version)\" \"User Commands\"\n"
    page += ".SH NAME\nsluice \\- stream big logs through composable stages\n"
    page += ".SH DESCRIPTION\n.nf\n" + roff(overview) + "\n.fi\n"
    for type in verbRegistry {
        page += ".SH \"\(type.name.uppercased())\"\n.nf\n" + roff(type.helpMessage(columns: 100)) + "\n.fi\n"
    }
    page += ".SH \"EXIT STATUS\"\n0 when a line was selected (or no grep stage ran), 1 when none was, 2 on an error; 128+N after signal N.\n"
    page += ".SH \"SEE ALSO\"\ngrep(1), zcat(1), tail(1), rg(1)\n"
    return page
}
