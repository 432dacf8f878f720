import ArgumentParser
import Sluice

/// `combine [FILE...]`: the partial results of workers, summed into one process's output.
struct CombineVerb: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine", _superCommandName: "sluice",
        abstract: "Add up partial results (--partial) into what one sluice process over all the inputs prints.",
        discussion: """
        Reads the partial results that 'count --partial', 'grep -c --partial' and 'count --by \
        --partial' wrote (from FILEs, or standard input; any number, in any order, several in one \
        file) and prints what one process over all the workers' inputs prints: the total line count; \
        grep -c's count per input in the job's input order (the position of each worker's first \
        FILE is its --input-index), with file names when there is more than one input (or -H, not \
        -h), -m applied to the sums, and grep's exit status (1 when no line was selected); or \
        count --by's rows, most frequent first, with --top and --json as the workers were given them.

        A partial result is JSON Lines: a header ({"sluice":"partial","version":1,"kind":...,\
        "pipeline":[...],"split":...,"inputs":[{"input":I,"path":...,"size":...}],...}), records \
        ({"input":I,"count":N}, {"input":I,"lines":N,"open":B}, {"key":[...],"count":N}, \
        {"error":MESSAGE,"input":I}), and {"end":R}. Combine fails (status 2, nothing printed) \
        rather than print a sum that may be wrong: on a line that is not a record, a result cut \
        short, results of other kinds, pipelines or options, an input no result covers, a byte \
        range of an input that no split or two splits read, or a binary file counted by splits. \
        Faults a worker met are printed (status 2).

        Examples:
          sluice grep -c --partial --split 1/2 ERROR a.log b.log > p1
          sluice grep -c --partial --split 2/2 ERROR a.log b.log > p2
          sluice combine p2 p1          # what 'sluice grep -c ERROR a.log b.log' prints
          cat parts/*.jsonl | sluice combine
        """,
        helpNames: [.long])

    @Argument(help: ArgumentHelp("Files of partial results (standard input when none, or -).", valueName: "FILE"))
    var files: [String] = []
}

extension CombineVerb: SinkVerb {
    static var role: VerbRole { .sink }
    var inputFiles: [String] { files }

    func output(_ lines: LineStream, printing: Printing, statistics: PrintStatistics) -> ByteStream {
        combinedStage(piped(lines, printing), statistics)
    }
}

func combinedStage(_ s: some AsyncSequence<LineBatch, any Error> & Sendable, _ st: PrintStatistics) -> ByteStream {
    s.combinedPartials(statistics: st)
}
