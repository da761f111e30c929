#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The merged options of a fail2ban configuration set (`jail` or `fail2ban`), read as
/// `SafeConfigParserWithIncludes` in fail2ban/client/configparserinc.py does: each file is parsed
/// on its own, its `[INCLUDES]` `before`/`after` files are read around it, and the results are
/// merged in order — later files override earlier ones key by key, and a section's overridden
/// values are kept under `KNOWN/<section>` for `%(known/key)s`.
struct ConfigStore: Sendable {
    var defaults = OptionTable()
    /// Section names in the order they first appeared (excluding `KNOWN/…`).
    private(set) var sectionNames: [String] = []
    private var sections: [String: OptionTable] = [:]
    private(set) var sectionLocations: [String: ConfigLocation] = [:]
    private var known: [String: OptionTable] = [:]
    /// Every file that was read, in order.
    private(set) var files: [String] = []

    init() {}

    func options(of section: String) -> OptionTable? { sections[section] }

    func hasSection(_ name: String) -> Bool { sections[name] != nil }

    /// Reads `NAME.conf`, `NAME.d/*.conf`, `NAME.local`, `NAME.d/*.local` under `directory`
    /// (those that exist, each `.d` list sorted), with their includes.
    static func read(directory: String, name: String) throws(ConfigError) -> ConfigStore {
        let base = directory + "/" + name
        var candidates = [base + ".conf"]
        candidates += sortedFiles(in: base + ".d", suffix: ".conf")
        candidates.append(base + ".local")
        candidates += sortedFiles(in: base + ".d", suffix: ".local")
        let existing = candidates.filter { isFile($0) }
        var parsed: [String: IniFile] = [:]
        var order: [String] = []
        for file in expandWithLocal(existing) {
            order += try includes(of: file, seen: [], parsed: &parsed)
        }
        var store = ConfigStore()
        for file in order {
            guard let ini = parsed[file] else { continue }
            store.merge(ini)
        }
        return store
    }

    /// `_expandConfFilesWithLocal`: each file followed by its `.local` twin when that exists and
    /// is not already listed.
    private static func expandWithLocal(_ files: [String]) -> [String] {
        var result: [String] = []
        for file in files {
            result.append(file)
            // os.path.splitext: drop the last extension of the file name (not a leading dot).
            var stem = file
            let nameStart = file.lastIndex(of: "/").map { file.index(after: $0) } ?? file.startIndex
            let name = file[nameStart...]
            if let dot = name.lastIndex(of: "."), name[..<dot].contains(where: { $0 != "." }) {
                stem = String(file[..<dot])
            }
            let local = stem + ".local"
            if !files.contains(local) && isFile(local) { result.append(local) }
        }
        return result
    }

    /// The file and its includes, in reading order (`before` files, the file, `after` files).
    /// A missing include is skipped, as fail2ban does; a cycle is broken where it closes.
    private static func includes(
        of file: String, seen: [String], parsed: inout [String: IniFile]
    ) throws(ConfigError) -> [String] {
        let ini: IniFile
        if let cached = parsed[file] {
            ini = cached
        } else {
            guard isFile(file) else { return [] }
            // 16 MiB: far more than any fail2ban configuration file.
            guard let data = ByteReader.wholeFile(atPath: file, limit: 16 << 20) else {
                throw ConfigError(file: file, line: 0, key: "", message: "cannot read the file")
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw ConfigError(file: file, line: 0, key: "", message: "the file is not valid UTF-8")
            }
            ini = try IniFile(path: file, text: text)
            parsed[file] = ini
        }
        guard let includeSection = ini.sections.first(where: { $0.name == "INCLUDES" }) else { return [file] }
        var single = ConfigStore()
        single.merge(ini)
        let directory = file.lastIndex(of: "/").map { $0 == file.startIndex ? "/" : String(file[..<$0]) } ?? ""
        var lists: [[String]] = [[], []]
        for (slot, option) in ["before", "after"].enumerated() {
            guard includeSection.options[option] != nil,
                let value = try single.value(section: "INCLUDES", key: option)
            else { continue }
            for entry in value.text.split(separator: "\n", omittingEmptySubsequences: false) {
                guard !entry.isEmpty else { continue }
                let path = entry.hasPrefix("/") ? String(entry) : directory + "/" + entry
                if seen.contains(path) { continue }
                for expanded in expandWithLocal([path]) {
                    lists[slot] += try includes(of: expanded, seen: seen + [file], parsed: &parsed)
                }
            }
        }
        return lists[0] + [file] + lists[1]
    }

    /// Adds one file's options on top of what was read before.
    mutating func merge(_ ini: IniFile) {
        files.append(ini.path)
        defaults.update(with: ini.defaults)
        for (rawName, location, rawOptions) in ini.sections {
            var name = rawName
            var options = rawOptions
            // Conditional sections `[name?cond]` add their keys as `key?cond` to `[name]`.
            if let mark = rawName.firstIndex(of: "?"), mark > rawName.startIndex,
                rawName.index(after: mark) < rawName.endIndex,
                rawName[..<mark].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" })
            {
                name = String(rawName[..<mark])
                let condition = String(rawName[mark...])
                options = OptionTable()
                for key in rawOptions.keys { options[key + condition] = rawOptions[key] }
            }
            if var existing = sections[name] {
                var previous = known[name] ?? OptionTable()
                for key in options.keys { if let old = existing[key] { previous[key] = old } }
                known[name] = previous
                existing.update(with: options)
                sections[name] = existing
            } else {
                sections[name] = options
                sectionNames.append(name)
                sectionLocations[name] = location
            }
        }
    }

    /// The raw (uninterpolated) value of `key` in `section`, else in `[DEFAULT]`.
    func rawValue(section: String, key: String) -> IniValue? {
        sections[section]?[key] ?? defaults[key]
    }

    /// The value of `key` in `section` (else `[DEFAULT]`) with `%(name)s` references replaced,
    /// or nil when neither defines the key.
    func value(section: String, key: String) throws(ConfigError) -> IniValue? {
        guard let raw = rawValue(section: section, key: key) else { return nil }
        var output = ""
        try interpolate(raw.text, section: section, key: key, location: raw.location, depth: 1, into: &output)
        return IniValue(text: output, location: raw.location)
    }

    /// Python's `BasicInterpolation` with fail2ban's additions: `%%` is `%`, `%(name)s` is the
    /// value of `name` in the section or `[DEFAULT]` (itself interpolated in the same section),
    /// `%(__name__)s` is the section's name, `%(default/name)s` and `%(known/name)s` and
    /// `%(other-section/name)s` read other sections; at most 10 levels deep.
    private func interpolate(
        _ text: String, section: String, key: String, location: ConfigLocation, depth: Int,
        into output: inout String
    ) throws(ConfigError) {
        func fail(_ message: String) -> ConfigError {
            ConfigError(file: location.file, line: location.line, key: key, message: message)
        }
        if depth > 10 {
            throw fail("interpolation nested more than 10 levels deep (does a value refer to itself?)")
        }
        var rest = Substring(text)
        while let percent = rest.firstIndex(of: "%") {
            output += rest[..<percent]
            rest = rest[percent...]
            let next = rest.dropFirst().first
            if next == "%" {
                output += "%"
                rest = rest.dropFirst(2)
            } else if next == "(" {
                let body = rest.dropFirst(2)
                guard let close = body.firstIndex(of: ")"), close > body.startIndex,
                    body[body.index(after: close)...].first == "s"
                else {
                    throw fail("bad interpolation '\(rest.prefix(40))': expected %(name)s")
                }
                let written = String(body[..<close])
                rest = body[body.index(close, offsetBy: 2)...]
                guard let replacement = lookup(written, section: section) else {
                    throw fail("%(\(written))s refers to an option not defined in [\(section)] or [DEFAULT]")
                }
                if replacement.contains("%") {
                    try interpolate(
                        replacement, section: section, key: key, location: location, depth: depth + 1, into: &output)
                } else {
                    output += replacement
                }
            } else {
                throw fail("'%' must be followed by '%' or '(': '\(rest.prefix(40))'")
            }
        }
        output += rest
    }

    /// The raw text a `%(written)s` reference stands for in `section`.
    private func lookup(_ written: String, section: String) -> String? {
        let name = written.lowercased()
        if name == "__name__" { return section }
        if let value = rawValue(section: section, key: name) { return value.text }
        // `%(section/option)s`: fail2ban maps the reference as written, then Python looks it up
        // in lower case, so only a lower-case reference can succeed.
        guard name == written, let slash = written.firstIndex(of: "/"), slash > written.startIndex else {
            return nil
        }
        let sectionPart = String(written[..<slash])
        let option = String(written[written.index(after: slash)...])
        guard !option.isEmpty,
            sectionPart.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        else { return nil }
        switch sectionPart.lowercased() {
        case "default":
            return defaults[option]?.text
        case "known":
            return known[section]?[option]?.text ?? defaults[option]?.text
        default:
            guard let other = sections[sectionPart] else { return nil }
            return other[option]?.text ?? defaults[option]?.text
        }
    }

    private static func isFile(_ path: String) -> Bool {
        LogSet.fileType(atPath: path) == S_IFREG
    }

    /// Files named `*SUFFIX` (not hidden) in `directory`, sorted by their bytes as Python sorts.
    private static func sortedFiles(in directory: String, suffix: String) -> [String] {
        let names = (try? LogSet.listDirectory(directory).get()) ?? []
        return names.filter { !$0.hasPrefix(".") && $0.hasSuffix(suffix) }
            .map { directory + "/" + $0 }
            .filter { isFile($0) }
            .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
