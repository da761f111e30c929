#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The settings of one jail that decide its bans, as fail2ban 1.0.2's client would send them
/// to the server (fail2ban/client/jailreader.py), with the server's defaults where the
/// configuration says nothing.
public struct JailSettings: Sendable, Equatable {
    /// The section name.
    public var name: String
    public var enabled: Bool
    /// jailbird's filter for this jail, or nil when jailbird does not implement the configured
    /// filter (see `unsupportedReason`).
    public var filter: FilterSpec?
    /// The `filter` value as configured after interpolation, e.g. `sshd[mode=normal]`.
    public var filterName: String
    /// Why `filter` is nil.
    public var unsupportedReason: String?
    /// `logpath` entries (globs as written, `head`/`tail` suffixes removed). Empty for systemd
    /// backends, which read the journal.
    public var logPaths: [String]
    /// `maxretry` (server default 3).
    public var maxRetry: Int
    /// `findtime` in seconds, possibly fractional (server default 600).
    public var findTime: Double
    /// `bantime` in whole seconds, truncated as fail2ban's `int()` does; -1 (or any negative)
    /// is permanent (server default 600).
    public var banTime: Int64
    /// `ignoreip`.
    public var ignore: IgnoreList
    /// `ignoreself` (server default true).
    public var ignoreSelf: Bool
    /// `usedns`, lower-case: `yes`, `warn`, `no` or `raw` (server default `warn`).
    public var useDNS: String
    /// The `bantime.*` settings when `bantime.increment` is true; nil otherwise.
    public var increment: BanTimeIncrement?
    /// The jail's first `[name]` header.
    public var source: ConfigLocation
}

/// A fail2ban configuration directory (such as /etc/fail2ban) read the way fail2ban 1.0.2's
/// client reads it: jail.conf, jail.d/*.conf, jail.local, jail.d/*.local (each `.d` list sorted),
/// their `[INCLUDES]`, `[DEFAULT]` inheritance and `%(name)s` interpolation; fail2ban.conf
/// (+ .d, .local) for `dbpurgeage`.
public struct Fail2banConfiguration: Sendable {
    /// The enabled jails (all jails with `includeDisabled`), in the order their sections first
    /// appear across the files.
    public var jails: [JailSettings]
    /// `dbpurgeage` from fail2ban.conf in seconds (default 1d).
    public var dbPurgeAge: Double
    /// Things the user should know that do not stop the reading: unsupported filters, host names
    /// in `ignoreip`, booleans fail2ban reads as false without being `false`, customized filter
    /// files, systemd backends.
    public var warnings: [String]

    /// Reads `directory`.
    /// - Parameter includeDisabled: also read (and check) jails that are not enabled — fail2ban
    ///   itself looks only at `enabled`, `backend` and `filter` of those.
    /// - Throws: `ConfigError` naming file, line and key for the first malformed thing fail2ban
    ///   would reject or silently replace by a default: syntax errors, unknown interpolations,
    ///   bad durations, numbers, `ignoreip` entries, `logpath` suffixes, filter options and
    ///   `bantime.*` expressions.
    public static func read(directory: String, includeDisabled: Bool = false) throws(ConfigError)
        -> Fail2banConfiguration
    {
        var base = directory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        guard LogSet.fileType(atPath: base) == S_IFDIR else {
            throw ConfigError(file: base, line: 0, key: "", message: "no such configuration directory")
        }
        var store = try ConfigStore.read(directory: base, name: "jail")
        guard !store.files.isEmpty else {
            throw ConfigError(file: base, line: 0, key: "", message: "no jail.conf, jail.local or jail.d/ files here")
        }
        // JailReader adds these before interpolating (they override the user's).
        let builtIn = ConfigLocation(file: "(fail2ban)", line: 0)
        store.defaults["fail2ban_version"] = IniValue(text: "1.0.2", location: builtIn)
        store.defaults["fail2ban_confpath"] = IniValue(text: base, location: builtIn)

        var reader = JailReader(store: store, directory: base)
        var jails: [JailSettings] = []
        for name in store.sectionNames where name != "INCLUDES" {
            if let jail = try reader.read(jail: name, includeDisabled: includeDisabled) { jails.append(jail) }
        }

        let main = try ConfigStore.read(directory: base, name: "fail2ban")
        var purgeAge = 86400.0
        if main.hasSection("Definition"), let value = try main.value(section: "Definition", key: "dbpurgeage") {
            purgeAge = try reader.duration(value, key: "dbpurgeage")
        }
        if main.hasSection("Definition"), let dbfile = try main.value(section: "Definition", key: "dbfile"),
            dbfile.text.lowercased() == "none", jails.contains(where: { $0.increment != nil })
        {
            reader.warnings.append(
                "\(dbfile.location): dbfile = None disables the database, so fail2ban does not increase ban times")
        }
        return Fail2banConfiguration(jails: jails, dbPurgeAge: purgeAge, warnings: reader.warnings)
    }
}

/// Reads jail sections from a merged `ConfigStore`.
struct JailReader {
    let store: ConfigStore
    let directory: String
    var warnings: [String] = []
    /// `sshdFilterFilesDaemon`'s answer once read (the outer nil: not read yet).
    var sshdFilterFilesDaemonRead: String??

    /// Every option fail2ban's JailReader interpolates for an enabled jail; an interpolation
    /// error in any of them stops fail2ban, so it stops jailbird too.
    static let interpolatedOptions = [
        "enabled", "backend", "maxretry", "maxmatches", "findtime", "bantime", "bantime.increment",
        "bantime.factor", "bantime.formula", "bantime.multipliers", "bantime.maxtime", "bantime.rndtime",
        "bantime.overalljails", "ignorecommand", "ignoreself", "ignoreip", "ignorecache", "filter",
        "logtimezone", "logencoding", "logpath", "action", "usedns", "prefregex", "ignoreregex", "failregex",
        "maxlines", "datepattern", "journalmatch",
    ]

    mutating func read(jail name: String, includeDisabled: Bool) throws(ConfigError) -> JailSettings? {
        let enabledValue = try store.value(section: name, key: "enabled")
        let enabled = try enabledValue.map { value throws(ConfigError) in try boolean(value, key: "enabled") } ?? false
        _ = try store.value(section: name, key: "backend")
        let filterValue = try store.value(section: name, key: "filter")
        guard enabled || includeDisabled else { return nil }

        var values: [String: IniValue] = [:]
        for key in JailReader.interpolatedOptions {
            if let value = try store.value(section: name, key: key) { values[key] = value }
        }
        let source = store.sectionLocations[name] ?? ConfigLocation(file: directory, line: 0)
        var settings = JailSettings(
            name: name, enabled: enabled, filter: nil, filterName: filterValue?.text ?? "", unsupportedReason: nil,
            logPaths: [], maxRetry: 3, findTime: 600, banTime: 600, ignore: IgnoreList(), ignoreSelf: true,
            useDNS: "warn", increment: nil, source: source)

        try readFilter(filterValue, values: values, into: &settings)

        if let value = values["maxretry"] { settings.maxRetry = Int(try integer(value, key: "maxretry")) }
        if let value = values["findtime"] { settings.findTime = try duration(value, key: "findtime") }
        if let value = values["bantime"] {
            let seconds = try durationNumber(value, key: "bantime")
            switch seconds {
            case .int(let whole): settings.banTime = whole
            case .float(let real):
                guard let whole = Int64(exactly: real.rounded(.towardZero)) else {
                    throw error(value, key: "bantime", "\(real) seconds is out of range")
                }
                settings.banTime = whole
            }
        }
        if let value = values["ignoreip"] {
            do {
                settings.ignore = try IgnoreList.parse(value.text)
            } catch let problem {
                throw error(value, key: "ignoreip", problem.message)
            }
            for host in settings.ignore.hostnames {
                warnings.append(
                    "\(value.location): jail '\(name)': ignoreip entry '\(host)' is a host name, which fail2ban "
                        + "resolves through DNS; jailbird cannot check it offline")
            }
        }
        if let value = values["ignoreself"] { settings.ignoreSelf = try boolean(value, key: "ignoreself") }
        if let value = values["usedns"] {
            let mode = value.text.lowercased()
            guard ["yes", "warn", "no", "raw"].contains(mode) else {
                throw error(value, key: "usedns", "'\(value.text)' is not yes, warn, no or raw")
            }
            settings.useDNS = mode
        }
        let backend = values["backend"]?.text ?? "auto"
        if let value = values["logpath"] {
            if backend.hasPrefix("systemd") {
                warnings.append(
                    "\(value.location): jail '\(name)' uses backend \(backend): fail2ban reads the journal, "
                        + "not logpath; give jailbird the logs with --log")
            } else {
                settings.logPaths = try logPaths(value)
            }
        }
        if let value = values["logtimezone"], !value.text.isEmpty {
            warnings.append(
                "\(value.location): jail '\(name)' sets logtimezone = \(value.text); pass the same zone to jailbird")
        }
        settings.increment = try increment(values)
        return settings
    }

    // MARK: Filter

    /// Sets `filter` (or `unsupportedReason`) from the jail's `filter` value.
    mutating func readFilter(_ value: IniValue?, values: [String: IniValue], into settings: inout JailSettings)
        throws(ConfigError)
    {
        guard let value, !value.text.isEmpty else {
            settings.unsupportedReason = "no filter is set"
            warnings.append("jail '\(settings.name)' has no filter")
            return
        }
        let (name, options) = try JailReader.extractOptions(value, key: "filter")
        func unsupported(_ reason: String) {
            settings.unsupportedReason = reason
            warnings.append("\(value.location): jail '\(settings.name)': \(reason); the jail is left out")
        }
        // Options that replace parts of the filter in the jail itself.
        for key in ["failregex", "prefregex", "datepattern", "maxlines"] where values[key] != nil {
            return unsupported("it sets its own \(key)")
        }
        if let ignore = values["ignoreregex"], !ignore.text.isEmpty {
            return unsupported("it sets its own ignoreregex")
        }
        let filterDirectory = directory + "/filter.d"
        let hasFilterDirectory = LogSet.fileType(atPath: filterDirectory) == S_IFDIR
        // The `_daemon` sshd reads: the jail's own, else the filter files' (an edited sshd.conf or
        // an sshd.local, as servers with OpenSSH 9.8 and later need).
        var sshdDaemon: String?
        if name == "sshd" {
            sshdDaemon = options["_daemon"]
            if sshdDaemon == nil, hasFilterDirectory { sshdDaemon = try sshdFilterFilesDaemon(filterDirectory) }
        }
        if hasFilterDirectory {
            let conf = filterDirectory + "/" + name + ".conf"
            let local = filterDirectory + "/" + name + ".local"
            if LogSet.fileType(atPath: conf) == nil && LogSet.fileType(atPath: local) == nil {
                return unsupported("filter.d/\(name).conf does not exist")
            }
            var stockFilter = "jailbird uses the stock \(name) filter"
            if let sshdDaemon, sshdDaemon != SSHDDaemonNames.stock.pattern { stockFilter += " with _daemon = \(sshdDaemon)" }
            for custom in [local, filterDirectory + "/common.local"]
            where LogSet.fileType(atPath: custom) != nil {
                warnings.append("jail '\(settings.name)': \(custom) customizes the filter; \(stockFilter)")
            }
            let customDirectory = filterDirectory + "/" + name + ".d"
            if let entries = try? LogSet.listDirectory(customDirectory).get(),
                entries.contains(where: { $0.hasSuffix(".conf") || $0.hasSuffix(".local") })
            {
                warnings.append("jail '\(settings.name)': \(customDirectory) customizes the filter; \(stockFilter)")
            }
        }
        var rest = options
        rest["logtype"] = rest["logtype"] == "file" ? nil : rest["logtype"]
        switch name {
        case "sshd":
            rest["_daemon"] = sshdDaemon
            if let daemon = sshdDaemon, SSHDDaemonNames(parsing: daemon) == nil {
                return unsupported(
                    "its _daemon '\(daemon)' is a pattern; jailbird reads \(SSHDDaemonNames.readableForms)")
            }
            let filter: FilterSpec
            do { filter = try FilterSpec.sshd(taking: &rest, text: value.text) } catch let problem {
                throw error(value, key: "filter", problem.reason)
            }
            guard rest.isEmpty else { return unsupported("filter option(s) \(rest.keys.sorted()) change the filter") }
            settings.filter = filter
        case "asterisk":
            rest["mode"] = nil  // jail.conf passes mode to every filter; asterisk.conf does not use it
            guard rest.isEmpty else { return unsupported("filter option(s) \(rest.keys.sorted()) change the filter") }
            settings.filter = .asterisk
        case "recidive":
            rest["mode"] = nil
            let jailName = rest.removeValue(forKey: "_jailname") ?? "recidive"
            guard rest.isEmpty else { return unsupported("filter option(s) \(rest.keys.sorted()) change the filter") }
            settings.filter = .recidive(jailName: jailName)
        default:
            unsupported("jailbird implements the asterisk, sshd and recidive filters, not '\(name)'")
        }
    }

    /// sshd.conf's `_daemon` as `filterDirectory`'s sshd files set it (sshd.conf, sshd.d/, sshd.local,
    /// with their includes), read once for all the jails of the configuration.
    private mutating func sshdFilterFilesDaemon(_ filterDirectory: String) throws(ConfigError) -> String? {
        if let known = sshdFilterFilesDaemonRead { return known }
        let daemon = try ConfigStore.read(directory: filterDirectory, name: "sshd")
            .value(section: "Definition", key: "_daemon")?.text
        sshdFilterFilesDaemonRead = .some(daemon)
        return daemon
    }

    /// fail2ban's `extractOptions`: `name` or `name[key=value, key="value", key='value']`.
    static func extractOptions(_ value: IniValue, key: String) throws(ConfigError) -> (String, [String: String]) {
        func fail(_ message: String) -> ConfigError {
            ConfigError(file: value.location.file, line: value.location.line, key: key, message: message)
        }
        let text = value.text
        guard let first = text.first, first != "[" else { throw fail("'\(text)' has no name before '['") }
        guard let open = text.firstIndex(of: "[") else { return (text, [:]) }
        let name = String(text[..<open])
        var tail = Substring(text[text.index(after: open)...])
        while let last = tail.unicodeScalars.last, last.properties.isWhitespace { tail = tail.dropLast() }
        guard tail.hasSuffix("]") else { throw fail("'\(text)': the options after '[' do not end with ']'") }
        let body = Array(tail.dropLast().unicodeScalars)
        var options: [String: String] = [:]
        var index = 0
        func isKeyScalar(_ scalar: Unicode.Scalar) -> Bool {
            scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                || "_-.".unicodeScalars.contains(scalar)
        }
        func string(_ range: Range<Int>) -> String {
            var result = ""
            result.unicodeScalars.append(contentsOf: body[range])
            return result
        }
        while index < body.count {
            while index < body.count && body[index].properties.isWhitespace { index += 1 }
            let keyStart = index
            while index < body.count && isKeyScalar(body[index]) { index += 1 }
            if keyStart == index || index >= body.count || body[index] != "=" {
                // Only a trailing comma and blanks may remain.
                var rest = keyStart
                if rest < body.count && body[rest] == "," { rest += 1 }
                guard body[rest...].allSatisfy({ $0.properties.isWhitespace }) else {
                    throw fail(
                        "'\(text)': expected key=value at '\(string(keyStart..<min(body.count, keyStart + 25)))'")
                }
                break
            }
            let optionKey = string(keyStart..<index)
            index += 1
            var optionValue: String
            if index < body.count && (body[index] == "\"" || body[index] == "'") {
                let quote = body[index]
                guard let close = body[(index + 1)...].firstIndex(of: quote) else {
                    throw fail("'\(text)': unterminated quote in option '\(optionKey)'")
                }
                optionValue = string((index + 1)..<close)
                index = close + 1
            } else {
                let start = index
                while index < body.count && body[index] != "," && body[index] != "]" { index += 1 }
                optionValue = string(start..<index)
            }
            if index < body.count {
                if body[index] == "," {
                    index += 1
                } else if body[index] == "]" {
                    // `]\s*[` separates option groups.
                    var look = index + 1
                    while look < body.count && body[look].properties.isWhitespace { look += 1 }
                    guard look < body.count && body[look] == "[" else {
                        throw fail("'\(text)': unexpected text after option '\(optionKey)'")
                    }
                    index = look + 1
                } else {
                    throw fail("'\(text)': unexpected text after option '\(optionKey)'")
                }
            }
            options[IniFile.strip(optionKey)] = IniFile.strip(optionValue)
        }
        return (name, options)
    }

    // MARK: bantime.*

    mutating func increment(_ values: [String: IniValue]) throws(ConfigError) -> BanTimeIncrement? {
        // fail2ban treats an empty value as unset.
        func present(_ key: String) -> IniValue? {
            guard let value = values[key], !value.text.isEmpty else { return nil }
            return value
        }
        let enabled =
            try present("bantime.increment").map { v throws(ConfigError) in try boolean(v, key: "bantime.increment") }
            ?? false
        // fail2ban evaluates the factor and compiles the formula whenever they are set.
        var factor = PythonNumber.int(1)
        if let value = present("bantime.factor") {
            do {
                factor = try PythonExpression(parsing: value.text, names: []).evaluate([:])
            } catch let problem {
                throw error(value, key: "bantime.factor", "invalid expression '\(value.text)': \(problem.message)")
            }
        }
        var formula: BanTimeFormula?
        if let value = present("bantime.formula") {
            do {
                formula = try BanTimeFormula(parsing: value.text)
            } catch let problem {
                throw error(value, key: "bantime.formula", problem.message)
            }
        }
        var multipliers: [Int64]?
        if let value = present("bantime.multipliers") {
            var list: [Int64] = []
            for part in value.text.split(separator: " ", omittingEmptySubsequences: false) {
                let number: Int64
                do {
                    number = try JailReader.pythonInt(String(part))
                } catch let problem {
                    throw error(
                        value, key: "bantime.multipliers", problem.message + " (integers separated by single spaces)")
                }
                list.append(number)
            }
            multipliers = list
        }
        let maxTime = try present("bantime.maxtime").map { v throws(ConfigError) in
            try duration(v, key: "bantime.maxtime")
        }
        let rndTime = try present("bantime.rndtime").map { v throws(ConfigError) in
            try duration(v, key: "bantime.rndtime")
        }
        let overall =
            try present("bantime.overalljails").map { v throws(ConfigError) in
                try boolean(v, key: "bantime.overalljails")
            } ?? false
        guard enabled else { return nil }
        return BanTimeIncrement(
            factor: factor, formula: formula, multipliers: multipliers, maxTime: maxTime, rndTime: rndTime,
            overallJails: overall)
    }

    // MARK: Values

    func error(_ value: IniValue, key: String, _ message: String) -> ConfigError {
        ConfigError(file: value.location.file, line: value.location.line, key: key, message: message)
    }

    /// fail2ban's `_as_bool`: `1`, `on`, `true`, `yes` (any case) are true, everything else
    /// false. Values that are not a recognized word are reported, since fail2ban quietly reads
    /// them as false.
    mutating func boolean(_ value: IniValue, key: String) throws(ConfigError) -> Bool {
        let text = value.text.lowercased()
        if ["1", "on", "true", "yes"].contains(text) { return true }
        if !["0", "off", "false", "no", ""].contains(text) {
            warnings.append("\(value.location): \(key) = \(value.text) is not a boolean; fail2ban reads it as false")
        }
        return false
    }

    /// Python's `int()` of a string: blanks around, an optional sign, decimal digits.
    static func pythonInt(_ text: String) throws(ExpressionError) -> Int64 {
        var body = Substring(IniFile.strip(text))
        let negative = body.hasPrefix("-")
        if body.hasPrefix("-") || body.hasPrefix("+") { body = body.dropFirst() }
        guard !body.isEmpty, body.allSatisfy({ $0.isASCII && $0.isNumber }), let magnitude = Int64(body) else {
            throw ExpressionError(message: "'\(text)' is not an integer")
        }
        return negative ? -magnitude : magnitude
    }

    func integer(_ value: IniValue, key: String) throws(ConfigError) -> Int64 {
        do {
            return try JailReader.pythonInt(value.text)
        } catch let problem {
            throw error(value, key: key, problem.message)
        }
    }

    func durationNumber(_ value: IniValue, key: String) throws(ConfigError) -> PythonNumber {
        do {
            return try parseDurationNumber(value.text)
        } catch let problem {
            throw error(value, key: key, problem.message)
        }
    }

    func duration(_ value: IniValue, key: String) throws(ConfigError) -> Double {
        let number = try durationNumber(value, key: key).double
        guard number.isFinite else { throw error(value, key: key, "'\(value.text)' is not a finite duration") }
        return number
    }

    /// `logpath` lines; a last blank-separated word must be `head` or `tail` and is dropped.
    func logPaths(_ value: IniValue) throws(ConfigError) -> [String] {
        var paths: [String] = []
        for line in value.text.split(separator: "\n", omittingEmptySubsequences: false) {
            var path = String(line)
            if let space = line.lastIndex(of: " ") {
                let option = line[line.index(after: space)...].lowercased()
                guard option == "head" || option == "tail" else {
                    throw error(
                        value, key: "logpath",
                        "'\(line)': a word after the path must be 'head' or 'tail' "
                            + "(fail2ban cannot read paths with blanks)")
                }
                path = String(line[..<space])
            }
            if !path.isEmpty { paths.append(path) }
        }
        return paths
    }
}
