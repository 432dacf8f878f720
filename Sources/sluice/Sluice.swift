import Dispatch
import Synchronization
import CByteScan
import Sluice
import SluiceCommands
#if canImport(Glibc)
import Glibc
#endif

@main
struct SluiceMain {
    static func main() async {
        signal(SIGPIPE, SIG_DFL)  // a closed pipe ends the program quietly, as for grep
        // SIGINT and SIGTERM stop the input through the pipeline's StopToken (runCommandLine).
        exit(await runCommandLine(Array(CommandLine.arguments.dropFirst())))
    }
}
