import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One input to read: a file (plain or gzip, told apart by content) or standard input.
public struct LogSource: Equatable, Sendable {
    /// The path to open; `-` means standard input.
    public var path: String
    /// The name to show the user: the path as given, or `standard input`.
    public var displayName: String
    /// The base log name this file belongs to, with its directory as given: `logs/full` for
    /// `logs/full`, `logs/full.1`, `logs/full.2.gz` and `logs/full-20240115.gz`; `-` for standard
    /// input. Files of one set are one chronological stream (oldest first).
    public var setName: String
    /// The file's modification time in UTC seconds; nil for standard input and pipes.
    public var modificationTime: Int64?

    public init(path: String, displayName: String? = nil, setName: String? = nil, modificationTime: Int64? = nil) {
        self.path = path
        self.displayName = displayName ?? (path == "-" ? "standard input" : path)
        self.setName = setName ?? (path == "-" ? "-" : LogSet.rotation(ofFileName: path).setName)
        self.modificationTime = modificationTime
    }

    /// Standard input.
    public static let standardInput = LogSource(path: "-")

    /// True when this source is standard input.
    public var isStandardInput: Bool { path == "-" }
}

/// Turns command-line arguments into an ordered list of sources.
///
/// - A file is one source. Its rotations are recognised by name: `NAME.N` and `NAME.N.gz`
///   (numbered, higher is older), `NAME-YYYYMMDD[HH…]`, `NAME-YYYY-MM-DD`, `NAME.YYYYMMDD` with
///   or without `.gz` (dated, by date). All files with the same directory and base name form one
///   set, read oldest first: dated ones by date, then numbered ones from the highest number down,
///   then the live file. This holds whether the files were listed one by one, expanded by the
///   shell, or found in a directory. (A `.gz` name only groups; gzip is detected by content.)
/// - A directory contributes its regular files (symbolic links to regular files included), one
///   level deep, grouped into sets as above and ordered by set name. Subdirectories are not
///   entered: `/var/log` holds `journal/` and other trees of binary data, and the user can name a
///   subdirectory explicitly.
/// - `-` is standard input, a set of its own.
/// - Sets appear in the order their first file was named; a file named twice (or found again
///   through a directory) is read once.
/// - A missing or unreadable path becomes a problem and the rest go on.
public enum LogSet {
    /// The type bits of the file at `path` (`S_IFREG`, `S_IFDIR`, …; links followed); nil when
    /// there is none or it cannot be reached.
    static func fileType(atPath path: String) -> mode_t? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return status.st_mode & S_IFMT
    }

    /// Discovers the sources named by `arguments`.
    ///
    /// - Complexity: O(n log n) in the number of files, plus one `stat` and one `open` per file.
    public static func discover(_ arguments: [String]) -> (sources: [LogSource], problems: [InputProblem]) {
        var sets: [PendingSet] = []
        var setIndex: [String: Int] = [:]
        var seenFiles = Set<FileIdentity>()
        var problems: [InputProblem] = []

        func add(path: String, status: stat) {
            if (status.st_mode & S_IFMT) == S_IFREG {
                let identity = FileIdentity(device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
                if !seenFiles.insert(identity).inserted { return }
            }
            let rotation = rotation(ofFileName: path)
            let source = LogSource(
                path: path, displayName: path, setName: rotation.setName,
                modificationTime: Int64(status.st_mtim.tv_sec))
            if let index = setIndex[rotation.setName] {
                sets[index].members.append((source, rotation.age))
            } else {
                setIndex[rotation.setName] = sets.count
                sets.append(PendingSet(members: [(source, rotation.age)]))
            }
        }

        for argument in arguments {
            if argument == "-" {
                if setIndex["-"] == nil {
                    setIndex["-"] = sets.count
                    sets.append(PendingSet(members: [(.standardInput, RotationAge.live)]))
                }
                continue
            }
            var status = stat()
            guard stat(argument, &status) == 0 else {
                problems.append(InputProblem(path: argument, kind: .cannotOpen(Errno(rawValue: errno))))
                continue
            }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                switch listDirectory(argument) {
                case .failure(let errno):
                    problems.append(InputProblem(path: argument, kind: .cannotListDirectory(errno)))
                case .success(let names):
                    let prefix = argument.hasSuffix("/") ? argument : argument + "/"
                    // Group the directory's files by set name first, so its sets come out sorted.
                    var found: [(path: String, status: stat)] = []
                    for name in names {
                        let path = prefix + name
                        var entry = stat()
                        guard stat(path, &entry) == 0, (entry.st_mode & S_IFMT) == S_IFREG else { continue }
                        if let problem = checkReadable(path) {
                            problems.append(problem)
                            continue
                        }
                        found.append((path, entry))
                    }
                    found.sort { rotation(ofFileName: $0.path).setName < rotation(ofFileName: $1.path).setName }
                    for file in found { add(path: file.path, status: file.status) }
                }
                continue
            }
            if let problem = checkReadable(argument) {
                problems.append(problem)
                continue
            }
            add(path: argument, status: status)
        }

        var sources: [LogSource] = []
        for set in sets {
            let ordered = set.members.sorted { lhs, rhs in
                lhs.age != rhs.age ? lhs.age < rhs.age : lhs.source.path < rhs.source.path
            }
            sources.append(contentsOf: ordered.map(\.source))
        }
        return (sources, problems)
    }

    /// Where a file sits in its rotated set.
    struct Rotation: Equatable {
        /// The directory (as given) joined with the base log name.
        var setName: String
        var age: RotationAge
    }

    /// Sort key of a file within its set; smaller is older.
    enum RotationAge: Comparable {
        /// `NAME-20240115`: ordered by the date digits; older than any numbered file.
        case dated(Int64)
        /// `NAME.3`: a higher number is older.
        case numbered(Int)
        /// `NAME` itself, the newest.
        case live

        private var key: (Int, Int64) {
            switch self {
            case .dated(let value): return (0, value)
            case .numbered(let number): return (1, -Int64(number))
            case .live: return (2, 0)
            }
        }

        static func < (lhs: RotationAge, rhs: RotationAge) -> Bool { lhs.key < rhs.key }
    }

    /// Splits a path's file name into its set (directory + base log name) and its place in the
    /// set: `a/full.2.gz` → (`a/full`, numbered 2); `full-20240115` → (`full`, dated 20240115);
    /// `auth.log` → (`auth.log`, live).
    static func rotation(ofFileName path: String) -> Rotation {
        var directory = ""
        var name = path
        if let slash = path.lastIndex(of: "/") {
            directory = String(path[...slash])
            name = String(path[path.index(after: slash)...])
        }
        if name.hasSuffix(".gz") && name.utf8.count > 3 { name.removeLast(3) }
        let bytes = Array(name.utf8)
        func isDigit(_ i: Int) -> Bool { bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        func isSeparator(_ i: Int) -> Bool {
            bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "_")
        }
        func number(_ range: Range<Int>) -> Int64 {
            range.reduce(0) { $0 &* 10 &+ Int64(bytes[$1] &- UInt8(ascii: "0")) }
        }
        var digitsStart = bytes.count
        while digitsStart > 0, isDigit(digitsStart - 1) { digitsStart -= 1 }
        let digitCount = bytes.count - digitsStart
        // The separator before the digits sits at digitsStart - 1 and needs a non-empty base before it.
        guard digitCount > 0, digitsStart >= 2, isSeparator(digitsStart - 1) else {
            return Rotation(setName: directory + name, age: .live)
        }
        let end = bytes.count
        var baseEnd = -1
        var age = RotationAge.live
        if digitCount == 2, digitsStart >= 10, bytes[end - 3] == UInt8(ascii: "-"), isDigit(end - 4), isDigit(end - 5),
            bytes[end - 6] == UInt8(ascii: "-"), (end - 10..<end - 6).allSatisfy(isDigit), isSeparator(end - 11),
            end - 11 > 0
        {
            // NAME-YYYY-MM-DD
            age = .dated(number(end - 10..<end - 6) * 10_000 + number(end - 5..<end - 3) * 100 + number(end - 2..<end))
            baseEnd = end - 11
        } else if digitCount >= 8 && digitCount <= 14 {
            age = .dated(number(digitsStart..<end))
            baseEnd = digitsStart - 1
        } else if digitCount < 8 && bytes[digitsStart - 1] == UInt8(ascii: ".") {
            age = .numbered(Int(number(digitsStart..<end)))
            baseEnd = digitsStart - 1
        }
        guard baseEnd > 0 else { return Rotation(setName: directory + name, age: .live) }
        return Rotation(setName: directory + String(decoding: bytes[..<baseEnd], as: UTF8.self), age: age)
    }

    /// The names in a directory (without `.` and `..`), sorted.
    static func listDirectory(_ path: String) -> Result<[String], Errno> {
        guard let directory = opendir(path) else { return .failure(Errno(rawValue: errno)) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            names.append(name)
        }
        return .success(names.sorted())
    }

    /// Opens and closes the file, so that permission problems are reported before any reading.
    private static func checkReadable(_ path: String) -> InputProblem? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if descriptor < 0 { return InputProblem(path: path, kind: .cannotOpen(Errno(rawValue: errno))) }
        close(descriptor)
        return nil
    }

    private struct PendingSet {
        var members: [(source: LogSource, age: RotationAge)]
    }

    private struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
    }
}
