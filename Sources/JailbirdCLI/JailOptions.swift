import ArgumentParser
import Jailbird

/// `--config DIR` / `--jail NAME` and the jail keys: how every command that replays jails gets
/// them. The option names are fail2ban's configuration keys.
struct JailOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A fail2ban configuration directory (e.g. /etc/fail2ban); its enabled jails are simulated.", valueName: "dir"))
    var config: String?

    @Option(
        name: .customLong("log"),
        help: ArgumentHelp("Read PATH (a file, glob or rotated set) for JAIL instead of its logpath; repeatable. --log recidive=fail2ban.log feeds recidive with real bans.", valueName: "jail=path"))
    var logs: [String] = []

    @Option(help: ArgumentHelp("The jail to define (without --config) or override (with it).", valueName: "name"))
    var jail: String?

    @Option(name: .customLong("filter"), help: ArgumentHelp("The jail's filter: asterisk, sshd[mode=…, _daemon=…], recidive.", valueName: "name"))
    var filterName: String?

    // Text, not numbers: `jailbird sweep` reads comma-separated lists from the same options.
    @Option(help: ArgumentHelp("Failures within findtime that trigger a ban (sweep: a list, e.g. 3,5,10).", valueName: "n"))
    var maxretry: String?

    @Option(help: ArgumentHelp("The counting window, in fail2ban's duration syntax (600, 10m, 1h 30m, 1d; sweep: a list, e.g. 10m,1h,1d).", valueName: "duration"))
    var findtime: String?

    @Option(help: ArgumentHelp("The ban length (fail2ban duration syntax; -1 bans for ever; sweep: a list, e.g. 1h,1d,1w).", valueName: "duration"))
    var bantime: String?

    @Option(help: ArgumentHelp("Addresses and networks never banned (blank or comma separated).", valueName: "list"))
    var ignoreip: String?

    @Flag(name: .customLong("bantime-increment"), help: "Turn on bantime.increment (longer bans for repeat offenders).")
    var bantimeIncrement = false

    @Option(name: .customLong("bantime-factor"), help: ArgumentHelp("bantime.factor", valueName: "number"))
    var bantimeFactor: Double?

    @Option(name: .customLong("bantime-formula"), help: ArgumentHelp("bantime.formula (a fail2ban expression over ban.Time, ban.Count, banFactor)", valueName: "expression"))
    var bantimeFormula: String?

    @Option(name: .customLong("bantime-multipliers"), help: ArgumentHelp("bantime.multipliers, e.g. \"1 2 4 8\"", valueName: "list"))
    var bantimeMultipliers: String?

    @Option(name: .customLong("bantime-maxtime"), help: ArgumentHelp("bantime.maxtime", valueName: "duration"))
    var bantimeMaxtime: String?

    @Option(name: .customLong("bantime-rndtime"), help: ArgumentHelp("bantime.rndtime (random extra time, seeded by --seed)", valueName: "duration"))
    var bantimeRndtime: String?

    @Flag(name: .customLong("bantime-overalljails"), help: "bantime.overalljails: earlier bans in every jail count.")
    var bantimeOveralljails = false

    @Flag(help: "Add a stock recidive jail (bantime 1w, findtime 1d, maxretry 5) fed by the simulated bans.")
    var recidive = false

    @Option(
        name: .customLong("while-banned"),
        help: ArgumentHelp(
            "Failures from IPs the simulation has banned: prevented (default; the firewall would have dropped them) or counted (fail2ban's own reading of the log).",
            valueName: "mode"))
    var whileBanned: WhileBanned = .prevented

    @Option(help: ArgumentHelp("Seed of bantime.rndtime.", valueName: "n"))
    var seed: UInt64 = 0

    /// The overrides these flags make.
    func overrides() throws -> JailOverrides {
        var overrides = JailOverrides()
        overrides.jail = jail
        do {
            if let filterName { overrides.filter = try FilterSpec(parsing: filterName) }
            if let maxretry { overrides.maxRetry = try Self.single(maxretry, "--maxretry", Self.maxRetry) }
            if let findtime { overrides.findTime = try Self.single(findtime, "--findtime", Self.findTime) }
            if let bantime { overrides.banTime = try Self.single(bantime, "--bantime", Self.banTime) }
            if let ignoreip { overrides.ignore = try IgnoreList(parsing: ignoreip) }
            if bantimeIncrement { overrides.increment = true }
            overrides.factor = bantimeFactor
            if let bantimeFormula { overrides.formula = try BanTimeFormula(parsing: bantimeFormula) }
            if let bantimeMultipliers {
                let values = bantimeMultipliers.split(whereSeparator: { $0 == " " || $0 == "," }).map { Int64($0) }
                guard values.allSatisfy({ $0 != nil }) else {
                    throw ValidationError("--bantime-multipliers: whole numbers separated by blanks, e.g. \"1 2 4 8\".")
                }
                overrides.multipliers = values.map { $0! }
            }
            if let bantimeMaxtime { overrides.maxTime = try parseDuration(bantimeMaxtime) }
            if let bantimeRndtime { overrides.rndTime = try parseDuration(bantimeRndtime) }
            if bantimeOveralljails { overrides.overallJails = true }
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("\(error)")
        }
        overrides.recidive = recidive
        return overrides
    }

    /// One value of a jail key; a comma-separated list is for `jailbird sweep` only.
    static func single<Value>(_ text: String, _ flag: String, _ parse: (String) throws -> Value) throws -> Value {
        if text.contains(",") { throw ValidationError("\(flag) takes one value here (lists are for jailbird sweep).") }
        do {
            return try parse(text)
        } catch let error as ValidationError {
            throw ValidationError("\(flag): \(error.message)")
        }
    }

    /// Every value of a comma-separated list of a jail key.
    static func list<Value>(_ text: String, _ flag: String, _ parse: (String) throws -> Value) throws -> [Value] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingBlanks() }
        guard !items.contains(where: \.isEmpty) else { throw ValidationError("\(flag): an empty value in '\(text)'.") }
        do {
            return try items.map(parse)
        } catch let error as ValidationError {
            throw ValidationError("\(flag): \(error.message)")
        }
    }

    static func maxRetry(_ text: String) throws -> Int {
        guard let value = Int(text.trimmingBlanks()), value > 0 else {
            throw ValidationError("'\(text)' is not a positive whole number.")
        }
        return value
    }

    static func findTime(_ text: String) throws -> Double {
        do { return try parseDuration(text) } catch { throw ValidationError("\(error)") }
    }

    static func banTime(_ text: String) throws -> Int64 {
        do { return Int64(try parseDuration(text)) } catch { throw ValidationError("\(error)") }
    }

    /// `--log JAIL=PATH` pairs.
    func logMap() throws -> [(jail: String, path: String)] {
        try logs.map { entry in
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("--log \(entry): write JAIL=PATH.")
            }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
    }
}

/// Everything a command that replays jails needs, read once.
struct PreparedSimulation {
    var input: SimulationInput
    var options: SimulationOptions
    var streamNames: [String]
    var realBans: [RealBan]
    /// Every fail2ban.log record (Found, Ban, Unban, Restore Ban) of the given fail2ban.log files.
    var realRecords: [(jail: String, ip: IPAddress, time: Int64, kind: EventKind)]
    /// Whether fail2ban.log files were given (to compare with).
    var hasRealLog: Bool
    var problemCount: Int

    /// Reads the configuration and the logs; prints warnings and input problems to stderr.
    /// `standard`: the logs already read with the standard filter set and the same time
    /// options; jails and fail2ban.log comparisons take what they can from them instead of
    /// reading those files again.
    static func prepare(
        jails: JailOptions, time: TimeOptions, paths: [String], reportProblems: Bool = true,
        reusing standard: [FileScan] = []
    ) throws -> PreparedSimulation {
        let timeSettings = try time.resolve()
        var configuration: Fail2banConfiguration?
        if let directory = jails.config {
            do {
                configuration = try Fail2banConfiguration.read(directory: directory)
            } catch {
                printError("\(error)")
                throw ExitCode(2)
            }
        }
        let setup: (feeds: [JailFeed], realBanLogs: [LogSource], warnings: [String], problems: [InputProblem])
        do {
            setup = try JailSetup.resolve(
                configuration: configuration, overrides: try jails.overrides(), logMap: try jails.logMap(),
                paths: paths)
        } catch let error as JailSetupError {
            throw ValidationError(error.message)
        }
        for warning in setup.warnings { printError("warning: " + warning) }
        var problemCount = setup.problems.count
        if reportProblems { for problem in setup.problems { printError(problem.description) } }
        let scan = ScanOptions(
            zone: timeSettings.zone, now: timeSettings.now, fallbackReference: TimeOptions.runStart,
            since: timeSettings.since, until: timeSettings.until)
        func alreadyRead(_ source: LogSource) -> FileScan? { standard.first { $0.source == source } }
        let toRead = SimulationInput.logsToRead(setup.feeds, reusing: standard)
        let (input, scans) = withProgress(toRead, scan) {
            SimulationInput.reading(setup.feeds, scan: $0, end: timeSettings.now, reusing: standard)
        }
        for file in scans {
            if reportProblems { printReadingNotes(of: file) }
            problemCount += file.problems.count
        }
        // What fail2ban really did, from fail2ban.log files among the arguments.
        var realBans: [RealBan] = []
        var realRecords: [(jail: String, ip: IPAddress, time: Int64, kind: EventKind)] = []
        if !setup.realBanLogs.isEmpty {
            let unread = setup.realBanLogs.filter { alreadyRead($0) == nil }
            let read = Scanner.scan(unread, options: scan)
            let records = setup.realBanLogs.map { source in
                alreadyRead(source) ?? read[unread.firstIndex(of: source)!]
            }
            for file in records {
                for problem in file.problems { printError(problem.description) }
                problemCount += file.problems.count
                let events = file.events
                for index in events.indices {
                    guard let ip = events.host(at: index).address, let jail = events.jail(at: index) else { continue }
                    realRecords.append((jail, ip, events.times[index], events.kinds[index]))
                    guard events.kinds[index] == .ban || events.kinds[index] == .restoreBan else { continue }
                    realBans.append(
                        RealBan(jail: jail, ip: ip, time: events.times[index], restored: events.kinds[index] == .restoreBan))
                }
            }
        }
        let streamNames = scans.map(\.source.displayName)
        let options = SimulationOptions(
            whileBanned: jails.whileBanned, dbPurgeAge: Int64(configuration?.dbPurgeAge ?? 86_400), seed: jails.seed)
        return PreparedSimulation(
            input: input, options: options, streamNames: streamNames, realBans: realBans, realRecords: realRecords,
            hasRealLog: !setup.realBanLogs.isEmpty, problemCount: problemCount)
    }
}

extension WhileBanned: ExpressibleByArgument {}
extension BanFormat: ExpressibleByArgument {}

extension JailOptions {
    /// Whether any jail was asked for (`--config` or `--jail`).
    var definesJails: Bool { config != nil || jail != nil }
}

/// The input of the analysis commands: the logs read once with the standard filter set, and the
/// jails' simulation when `--config` or `--jail` is given. Prints problems and warnings to stderr.
struct PreparedAnalysis {
    var analysis: AnalysisInput
    var realBans: [RealBan]
    var problemCount: Int
    var zone: TimeZoneRules
    var since: Int64?
    var until: Int64?

    static func prepare(
        jails: JailOptions, time: TimeOptions, standard: StandardFilterOptions, paths: [String]
    ) throws -> PreparedAnalysis {
        let timeSettings = try time.resolve()
        var scanOptions = ScanOptions(
            zone: timeSettings.zone, now: timeSettings.now, fallbackReference: TimeOptions.runStart,
            since: timeSettings.since, until: timeSettings.until)
        scanOptions.standardSSHDDaemon = try standard.resolve()
        let discovered = LogSet.discover(paths)
        var problemCount = discovered.problems.count
        for problem in discovered.problems { printError(problem.description) }
        let scanned = withProgress(discovered.sources, scanOptions) {
            AnalysisInput.scanning(discovered.sources, options: $0)
        }
        var readingNotes = discovered.problems.map(\.description)
        for scan in scanned.scans {
            printReadingNotes(of: scan)
            problemCount += scan.problems.count
            readingNotes += scan.warnings + scan.problems.map(\.description)
        }
        var realBans: [RealBan] = []
        let events = scanned.events
        for index in events.indices where events.kinds[index] == .ban || events.kinds[index] == .restoreBan {
            guard let ip = events.host(at: index).address, let jail = events.jail(at: index) else { continue }
            realBans.append(
                RealBan(jail: jail, ip: ip, time: events.times[index], restored: events.kinds[index] == .restoreBan))
        }
        var simulation: SimulationRun?
        if jails.definesJails {
            // Problems of the same files were reported by the scan above.
            let prepared = try PreparedSimulation.prepare(
                jails: jails, time: time, paths: paths, reportProblems: false, reusing: scanned.scans)
            let result = JailSimulator.simulate(prepared.input, options: prepared.options)
            simulation = SimulationRun(
                input: prepared.input, result: result, options: prepared.options, streamNames: prepared.streamNames)
        }
        return PreparedAnalysis(
            analysis: AnalysisInput(
                events: scanned.events, fileNames: scanned.fileNames, simulation: simulation, readingNotes: readingNotes),
            realBans: realBans, problemCount: problemCount, zone: timeSettings.zone, since: timeSettings.since,
            until: timeSettings.until)
    }
}

/// The checks every analysis command makes on its log arguments.
func validateAnalysisPaths(_ paths: [String], jails: JailOptions) throws {
    if paths.isEmpty { throw ValidationError("Name at least one log file or directory.") }
    if paths.filter({ $0 == "-" }).count > 1 { throw ValidationError("'-' (standard input) given twice.") }
    // A jail whose filter the standard set did not apply alone reads its logs a second time,
    // which standard input cannot give.
    if jails.definesJails && paths.contains("-") {
        throw ValidationError("'-' (standard input) cannot be combined with --config or --jail; name the files.")
    }
}
