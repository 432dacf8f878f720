import ArgumentParser
import Sluice
#if canImport(Glibc)
import Glibc
#endif

/// `--partial` and `--input-index K`: the last stage's count as a partial result, for
/// `sluice combine` to add to the results of other splits and files (see ``PartialResult``).
struct PartialOptions: ParsableArguments {
    @Flag(name: .customLong("partial"),
          help: "Write the count as a partial result (JSON Lines) that 'sluice combine' adds to other workers' results into what one process over all the inputs prints (last stage; see 'sluice help combine').")
    var partial = false
    @Option(name: .customLong("input-index"),
            help: ArgumentHelp("With --partial: the position of the first FILE among all the inputs of the job (default 0), so that combine prints the inputs in that order.", valueName: "K"))
    var inputIndex: Int?

    func validate() throws {
        if inputIndex != nil && !partial { throw ValidationError("--input-index needs --partial") }
        if let inputIndex, inputIndex < 0 { throw ValidationError("--input-index must be 0 or more") }
    }

    /// Checks the place of a `--partial` stage.
    func check(_ position: StagePosition, verb: String) throws {
        if partial && !position.isLast { throw CLIError("\(verb) --partial writes the pipeline's output: it must be the last stage") }
    }

    /// The header of the partial result of a stage at `position`: its inputs (with their sizes,
    /// which the splits are byte ranges of), the split, and the pipeline's words.
    func result(_ kind: PartialResult.Kind, _ position: StagePosition) -> PartialResult {
        var r = PartialResult(kind: kind, pipeline: position.pipelineWords)
        r.split = position.split
        r.perInput = position.isFirst
        let first = inputIndex ?? 0
        r.inputs = position.inputs.enumerated().map { i, input in
            var info = stat()
            let regular = input.path != "-" && RawBytes.stat(input.path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
            return PartialResult.Input(index: first + i, path: input.name, size: regular ? Int64(info.st_size) : nil)
        }
        return r
    }
}
