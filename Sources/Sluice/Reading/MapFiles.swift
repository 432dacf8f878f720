#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension InputFiles {
    /// Runs `body` on each input's lines, at most `maxConcurrent` inputs at a time, and returns
    /// one result per input in input order: `.success` with what `body` returned, or
    /// `.failure` with the input's error (it could not be opened, its compressed data is
    /// damaged, a line is too long, or `body` threw). One failing input never stops the others.
    ///
    ///     let perFile = try await InputFiles(paths).mapFiles(maxConcurrent: 2) { name, lines in
    ///         var n = 0
    ///         for try await batch in lines.grep(pattern) { n += batch.lineCount }
    ///         return n
    ///     }
    ///
    /// `lines` is the input's own stream: decoded as ``InputFiles`` decodes, split into
    /// ``LineBatch``es numbered from 1, and ended by the input's end-of-source marker; each
    /// input is read and decoded in a task of its own while `body` consumes it.
    ///
    /// Memory: at most `maxConcurrent` inputs are open at once, each holding about
    /// `(readAhead + 2) × chunkSize` bytes of read-ahead and decoding buffers (about 3 MiB with
    /// the default ``Options``) plus what `body` keeps, and the results of the inputs done so far.
    /// The inputs' count does not matter otherwise: a folder of thousands of files needs no
    /// more than `maxConcurrent` of them. The default is the number of cores that the
    /// scheduler offers, at least 1; with 2 cores, each input's decoding and `body` already use
    /// both, so more than 2 rarely helps.
    ///
    /// Cancelling the calling task cancels the inputs being read; their results are
    /// `.failure(CancellationError())`.
    public func mapFiles<Value: Sendable>(
        maxConcurrent: Int = InputFiles.defaultConcurrency,
        _ body: @escaping @Sendable (_ name: String, _ lines: AsyncReadAheadSequence<InputLines>) async throws -> Value
    ) async -> [Swift.Result<Value, any Error>] {
        let limit = Swift.max(1, maxConcurrent)
        var results = [Swift.Result<Value, any Error>?](repeating: nil, count: paths.count)
        await withTaskGroup(of: (Int, Swift.Result<Value, any Error>).self) { group in
            var next = 0
            func start(_ index: Int) {
                let path = paths[index]
                let files = self
                group.addTask {
                    let name = files.displayName(path)
                    let lines = files.lines(of: path, keepCarriageReturn: false, maxLineLength: 64 << 20)
                        .readAhead(files.options.readAhead)
                    do {
                        return (index, .success(try await body(name, lines)))
                    } catch let error as SluiceError {
                        return (index, .failure(error.naming(name)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            while next < paths.count && next < limit { start(next); next += 1 }
            for await (index, result) in group {
                results[index] = result
                if next < paths.count { start(next); next += 1 }
            }
        }
        return results.map { $0! }
    }

    /// The default `maxConcurrent` of ``mapFiles(maxConcurrent:_:)``: the active processor count.
    public static var defaultConcurrency: Int {
        Swift.max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}
