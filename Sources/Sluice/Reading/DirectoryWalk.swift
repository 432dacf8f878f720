#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The files named by some operands and found under those that are directories, in the
/// order GNU grep's `-r` and `-R` search them, with its rules for symbolic links, `--include`,
/// `--exclude` and `--exclude-dir`.
///
/// A directory is read with `readdir` and its entries are visited in the order it gives them,
/// each subdirectory before the entries after it (depth first, as `fts` walks in GNU grep;
/// `fts` sorts by inode number instead in directories of more than 10,000 entries on some file
/// systems, which this walk does not). Paths are the operand joined to the entries' names with
/// `/`; with no operands the working directory is walked and paths are the bare names, as
/// `grep -r` prints them.
///
///     for entry in DirectoryWalk(["/var/log"]) { if case .file(let path) = entry { ... } }
public struct DirectoryWalk: Sequence, Sendable {
    /// Which symbolic links are followed.
    public enum Symlinks: Sendable {
        /// Those named as operands (`-r`); links met while walking are skipped.
        case operandsOnly
        /// All (`-R`); a link to a directory that contains it is reported as a loop.
        case all
    }

    /// `--include=GLOB` (`includes`) or `--exclude=GLOB`.
    public struct FileGlob: Sendable, Equatable {
        public var pattern: String
        public var includes: Bool
        public init(_ pattern: String, includes: Bool) {
            self.pattern = pattern
            self.includes = includes
        }
    }

    /// How the walk chooses.
    public struct Options: Sendable {
        public var symlinks = Symlinks.operandsOnly
        /// `--include` and `--exclude` in the order given: the last one that matches a file's
        /// name decides; when none does, a file is kept unless the first one is an include.
        /// Files met while walking are matched by their base name, operands by their whole name
        /// or any part after a `/` (`fnmatch` without flags: `*` matches `/` too).
        public var fileGlobs: [FileGlob] = []
        /// `--exclude-dir`: directories skipped (matched as ``fileGlobs`` are).
        public var excludedDirectories: [String] = []
        /// Skip devices, FIFOs and sockets met while walking (GNU grep reads them only when named).
        public var skipsDevices = true
        /// Operands that are directories are walked; otherwise they are passed on as files.
        public var recurses = true
        /// Visit each directory's entries in the byte order of their names (ripgrep's
        /// `--sort path`) instead of the order `readdir` gives them. Operands keep their order.
        public var sortsByName = false
        public init() {}
    }

    /// What the walk finds.
    public enum Entry: Sendable, Equatable {
        /// A file to search (perhaps one that cannot be opened: its error is for the reader).
        case file(String)
        /// A directory that cannot be read.
        case failure(SluiceError)
        /// A symbolic link to a directory that contains it (`-R`): it is not walked. GNU grep
        /// says `NAME: warning: recursive directory loop`.
        case loop(String)
    }

    public let operands: [String]
    public let options: Options

    /// The walk of `operands` (`-` is standard input, passed on); none walks the working directory.
    public init(_ operands: [String], options: Options = Options()) {
        self.operands = operands
        self.options = options
    }

    /// Whether a file named `name` is kept by `globs` (GNU grep's `--include`/`--exclude`).
    public static func keeps(_ name: String, globs: [FileGlob], anchored: Bool) -> Bool {
        guard let first = globs.first else { return true }
        for glob in globs.reversed() where matches(glob.pattern, name, anchored: anchored) {
            return glob.includes
        }
        return !first.includes
    }

    /// `fnmatch` on the whole name, or (not anchored) on any part of it after a `/`.
    static func matches(_ pattern: String, _ name: String, anchored: Bool) -> Bool {
        // (Both with their own bytes: see RawBytes.)
        let glob = RawBytes.bytes(pattern) + [0]
        var bytes = RawBytes.bytes(name)
        bytes.append(0)
        return glob.withUnsafeBufferPointer { g in
            bytes.withUnsafeBufferPointer { b in
                let globText = UnsafeRawPointer(g.baseAddress!).assumingMemoryBound(to: CChar.self)
                let nameText = UnsafeRawPointer(b.baseAddress!).assumingMemoryBound(to: CChar.self)
                if fnmatch(globText, nameText, 0) == 0 { return true }
                guard !anchored else { return false }
                for i in 0..<(b.count - 1) where b[i] == 0x2F && b[i + 1] != 0x2F && b[i + 1] != 0 {
                    if fnmatch(globText, nameText + i + 1, 0) == 0 { return true }
                }
                return false
            }
        }
    }

    public func makeIterator() -> Iterator { Iterator(walk: self) }

    /// Walks depth first; a directory's entries are read when it is reached.
    public struct Iterator: IteratorProtocol {
        private let walk: DirectoryWalk
        private var operandIndex = 0
        /// The directories being walked: their path prefix, the names left, and their identity.
        /// Each name comes with its `d_type` from `readdir` (`DT_UNKNOWN` when the file system
        /// does not say): a regular file needs no `lstat`.
        private var stack: [(prefix: String, names: [(name: String, type: UInt8)], index: Int, id: FileID)] = []
        private struct FileID: Equatable { let device: UInt64; let inode: UInt64 }

        init(walk: DirectoryWalk) { self.walk = walk }

        public mutating func next() -> Entry? {
            while true {
                if !stack.isEmpty {
                    let top = stack.count - 1
                    if stack[top].index == stack[top].names.count { stack.removeLast(); continue }
                    let (name, type) = stack[top].names[stack[top].index]
                    stack[top].index += 1
                    let prefix = stack[top].prefix
                    let path = prefix.isEmpty ? name : prefix.hasSuffix("/") ? prefix + name : prefix + "/" + name
                    if let entry = visit(path, name: name, type: type) { return entry }
                    continue
                }
                if walk.operands.isEmpty {
                    guard operandIndex == 0 else { return nil }
                    operandIndex = 1
                    if let entry = enter(".", prefix: "") { return entry }
                    continue
                }
                guard operandIndex < walk.operands.count else { return nil }
                let operand = walk.operands[operandIndex]
                operandIndex += 1
                if let entry = visitOperand(operand) { return entry }
            }
        }

        /// An operand: followed if a link; skipped when excluded by its whole name.
        private mutating func visitOperand(_ path: String) -> Entry? {
            if path == "-" { return .file(path) }
            var info = stat()
            guard RawBytes.stat(path, &info) == 0 else { return .file(path) }  // the reader reports it
            if (info.st_mode & S_IFMT) == S_IFDIR {
                // A directory is matched by --exclude-dir only, whether it is walked or not.
                if walk.options.excludedDirectories.contains(where: { DirectoryWalk.matches($0, path, anchored: false) }) { return nil }
                return walk.options.recurses ? enter(path, prefix: path) : .file(path)
            }
            guard DirectoryWalk.keeps(path, globs: walk.options.fileGlobs, anchored: false) else { return nil }
            return .file(path)
        }

        /// An entry met while walking; `direntType` is its `d_type`.
        private mutating func visit(_ path: String, name: String, type direntType: UInt8) -> Entry? {
            if direntType == UInt8(DT_REG) {
                return DirectoryWalk.keeps(name, globs: walk.options.fileGlobs, anchored: true) ? .file(path) : nil
            }
            var info = stat()
            guard RawBytes.lstat(path, &info) == 0 else { return .file(path) }
            var type = info.st_mode & S_IFMT
            if type == S_IFLNK {
                guard walk.options.symlinks == .all else { return nil }
                // A link that leads nowhere is searched, and its open fails, as in GNU grep.
                guard RawBytes.stat(path, &info) == 0 else {
                    return DirectoryWalk.keeps(name, globs: walk.options.fileGlobs, anchored: true) ? .file(path) : nil
                }
                type = info.st_mode & S_IFMT
            }
            if type == S_IFDIR {
                if walk.options.excludedDirectories.contains(where: { DirectoryWalk.matches($0, name, anchored: true) }) { return nil }
                let id = FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
                if stack.contains(where: { $0.id == id }) { return .loop(path) }
                return enter(path, prefix: path)
            }
            guard DirectoryWalk.keeps(name, globs: walk.options.fileGlobs, anchored: true) else { return nil }
            if type != S_IFREG && walk.options.skipsDevices { return nil }
            return .file(path)
        }

        /// Reads a directory's names and walks into it; a failure is the entry.
        private mutating func enter(_ path: String, prefix: String) -> Entry? {
            var info = stat()
            guard RawBytes.stat(path, &info) == 0 else { return .failure(.io(path: path, operation: "open", errno: errno)) }
            guard let dir = RawBytes.opendir(path) else { return .failure(.io(path: path, operation: "open", errno: errno)) }
            defer { closedir(dir) }
            var names: [(name: String, type: UInt8)] = []
            while let entry = readdir(dir) {
                // A name that is not valid UTF-8 keeps its bytes (see RawBytes): it is opened, and
                // printed, as it is.
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in RawBytes.string(raw.prefix { $0 != 0 }) }
                if name == "." || name == ".." { continue }
                names.append((name, entry.pointee.d_type))
            }
            if walk.options.sortsByName {
                // By their bytes, as `rg --sort path` sorts.
                names = names.map { (key: RawBytes.bytes($0.name), entry: $0) }
                    .sorted { $0.key.lexicographicallyPrecedes($1.key) }.map(\.entry)
            }
            stack.append((prefix: prefix, names: names, index: 0,
                          id: FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))))
            return nil
        }
    }
}
