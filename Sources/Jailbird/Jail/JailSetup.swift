/// Jail settings given on the command line, using fail2ban's key names: they define a jail when
/// there is no configuration directory, or override the named jail of one.
public struct JailOverrides: Sendable {
    public var jail: String?
    public var filter: FilterSpec?
    public var maxRetry: Int?
    public var findTime: Double?
    public var banTime: Int64?
    public var ignore: IgnoreList?
    /// `bantime.increment` and its family.
    public var increment: Bool?
    public var factor: Double?
    public var formula: BanTimeFormula?
    public var multipliers: [Int64]?
    public var maxTime: Double?
    public var rndTime: Double?
    public var overallJails: Bool?
    /// Add a stock `recidive` jail (when the configuration has none).
    public var recidive = false

    public init() {}

    var touchesIncrement: Bool {
        increment != nil || factor != nil || formula != nil || multipliers != nil || maxTime != nil || rndTime != nil
            || overallJails != nil
    }

    /// `parameters` with these overrides applied.
    func applied(to parameters: JailParameters) -> JailParameters {
        var result = parameters
        if let filter { result.filter = filter }
        if let maxRetry { result.maxRetry = maxRetry }
        if let findTime { result.findTime = findTime }
        if let banTime { result.banTime = banTime < 0 ? -1 : banTime }
        if let ignore { result.ignore = ignore }
        if touchesIncrement {
            if increment == false {
                result.increment = nil
            } else {
                var value = result.increment ?? BanTimeIncrement()
                if let factor { value.factor = factor }
                if let formula { value.formula = formula }
                if let multipliers { value.multipliers = multipliers }
                if let maxTime { value.maxTime = maxTime }
                if let rndTime { value.rndTime = rndTime }
                if let overallJails { value.overallJails = overallJails }
                result.increment = value
            }
        }
        return result
    }
}

public struct JailSetupError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public var description: String { message }
}

/// Decides which jails to simulate and which logs each one reads.
public enum JailSetup {
    /// - Parameters:
    ///   - configuration: a fail2ban configuration directory's enabled jails, or nil.
    ///   - overrides: command-line settings; without a configuration `overrides.jail` names the
    ///     one jail (stock jail.conf settings below the overrides).
    ///   - logMap: `--log JAIL=PATH` entries: these files (rotations included) for that jail.
    ///   - paths: log files and directories given as arguments. Without a configuration they all
    ///     belong to the command-line jail. With one, each file goes to the jails its kind fits:
    ///     Asterisk `full` logs to jails with the asterisk filter, other (syslog) files to sshd
    ///     jails. A fail2ban.log among them is not fed to recidive (recidive counts the simulated
    ///     bans unless `--log recidive=PATH` says otherwise): it is returned in `realBanLogs`, to
    ///     compare the simulation with what fail2ban really did.
    ///   - logPathsFallback: with a configuration, jails with neither `--log` nor a matching
    ///     argument read their configured `logpath` (globs) when this is true.
    /// - Returns: the feeds in configuration order and warnings for the user.
    public static func resolve(
        configuration: Fail2banConfiguration?, overrides: JailOverrides, logMap: [(jail: String, path: String)],
        paths: [String], logPathsFallback: Bool = true
    ) throws(JailSetupError) -> (
        feeds: [JailFeed], realBanLogs: [LogSource], warnings: [String], problems: [InputProblem]
    ) {
        var realBanLogs: [LogSource] = []
        var warnings: [String] = []
        var problems: [InputProblem] = []
        var jails: [JailParameters] = []
        var configuredLogPaths: [String: [String]] = [:]
        if let configuration {
            warnings += configuration.warnings
            for settings in configuration.jails where settings.enabled {
                guard var parameters = JailParameters(settings) else {
                    warnings.append(
                        "jail '\(settings.name)' uses filter '\(settings.filterName)', which jailbird does not implement: not simulated")
                    continue
                }
                if overrides.jail == settings.name { parameters = overrides.applied(to: parameters) }
                jails.append(parameters)
                configuredLogPaths[settings.name] = settings.logPaths
            }
            if let name = overrides.jail, !jails.contains(where: { $0.name == name }) {
                throw JailSetupError(message: "--jail \(name): no enabled jail of that name in the configuration")
            }
        } else {
            guard let name = overrides.jail else {
                throw JailSetupError(message: "Give --config DIR or --jail NAME (with --filter and the jail's settings).")
            }
            let filter: FilterSpec
            if let given = overrides.filter {
                filter = given
            } else if let known = try? FilterSpec(parsing: name) {
                filter = known
            } else {
                throw JailSetupError(message: "--jail \(name): name its filter with --filter (asterisk, sshd, recidive).")
            }
            jails.append(overrides.applied(to: JailParameters.stock(name: name, filter: filter)))
        }
        if overrides.recidive && !jails.contains(where: \.isRecidive) {
            var recidive = JailParameters.stock(name: "recidive", filter: .recidive(jailName: "recidive"))
            recidive.ignore = jails.first?.ignore ?? recidive.ignore
            jails.append(recidive)
        }
        for entry in logMap where !jails.contains(where: { $0.name == entry.jail }) {
            throw JailSetupError(message: "--log \(entry.jail)=\(entry.path): no such jail")
        }

        var logs = [[LogSource]](repeating: [], count: jails.count)
        for (index, jail) in jails.enumerated() {
            let mapped = logMap.filter { $0.jail == jail.name }.map(\.path)
            if !mapped.isEmpty {
                let found = LogSet.discover(mapped)
                logs[index] = found.sources
                problems += found.problems
            }
        }
        if !paths.isEmpty {
            let found = LogSet.discover(paths)
            problems += found.problems
            for source in found.sources {
                let kind = LogKind.detect(source)
                if kind == .fail2banLog {
                    realBanLogs.append(source)
                } else if configuration == nil {
                    logs[0].append(source)
                } else {
                    let targets = jails.indices.filter { index in
                        switch (kind, jails[index].filter) {
                        case (.asteriskFull, .asterisk), (.other, .sshd): return true
                        default: return false
                        }
                    }
                    if targets.isEmpty {
                        let described =
                            switch kind {
                            case .asteriskFull: "an Asterisk full log"
                            case .fail2banLog: "a fail2ban.log"
                            case .other: "a syslog file"
                            }
                        warnings.append("\(source.displayName): \(described), which no simulated jail reads")
                    }
                    for index in targets where !logMap.contains(where: { $0.jail == jails[index].name }) {
                        logs[index].append(source)
                    }
                }
            }
        }
        if configuration != nil && logPathsFallback {
            for index in jails.indices where logs[index].isEmpty && !(jails[index].isRecidive) {
                let globs = configuredLogPaths[jails[index].name] ?? []
                let found = LogSet.discover(globs.flatMap(expandGlob))
                logs[index] = found.sources
            }
        }
        for index in jails.indices where logs[index].isEmpty {
            if jails[index].isRecidive {
                continue  // counts the simulated bans of the other jails
            }
            warnings.append("jail '\(jails[index].name)' has no log files: nothing to replay for it")
        }
        return (zip(jails, logs).map { JailFeed(parameters: $0, logs: $1) }, realBanLogs, warnings, problems)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// The paths matching a shell glob (as fail2ban expands `logpath`), sorted; none when nothing
/// matches.
func expandGlob(_ pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
}
