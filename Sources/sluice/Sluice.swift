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
        // Chunks of about 1 MiB are allocated and freed all the time: keep them out of mmap so
        // their pages are not faulted in again for every chunk. The chunk pool (ChunkPool) now reuses
        // read and inflate buffers; this tuning stays until it is measured unnecessary (issue 16).
        sluice_tune_allocator_for_streaming()
        // SIGINT and SIGTERM stop the input through the pipeline's StopToken (runCommandLine).
        // The arguments with their own bytes: `CommandLine.arguments` replaces bytes that are not
        // valid UTF-8 (a Latin-1 file name or pattern), which would then not be found (see RawBytes).
        let arguments = (1..<Int(CommandLine.argc)).map { i in
            CommandLine.unsafeArgv[i].map { RawBytes.string(UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self),
                                                                                 count: strlen($0))) } ?? ""
        }
        exit(await runCommandLine(arguments))
    }
}
