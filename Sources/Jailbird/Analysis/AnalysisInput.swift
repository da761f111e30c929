/// What the analysis commands (stats, offenders, report, sweep) work on, read once: the events
/// of every input under the standard filter set (as `jailbird scan` reports them), and — when
/// jails are configured — the simulation of those jails.
public struct AnalysisInput: Sendable {
    /// All events of all inputs, in input order (failures, successes, fail2ban.log records).
    public var events: EventStore
    /// The display name of each input; `events.files[i]` indexes it.
    public var fileNames: [String]
    /// The jails replayed and their result, when `--config` or `--jail` was given.
    public var simulation: SimulationRun?
    /// What reading the inputs left out or could not read, a sentence each naming its file
    /// (`FileScan.warnings`, input problems): a report says it where its readers see it.
    public var readingNotes: [String]

    public init(events: EventStore, fileNames: [String], simulation: SimulationRun?, readingNotes: [String] = []) {
        self.events = events
        self.fileNames = fileNames
        self.simulation = simulation
        self.readingNotes = readingNotes
    }

    /// Reads every input with the standard filter set (the same events `jailbird scan` reports).
    public static func scanning(_ sources: [LogSource], options: ScanOptions) -> (events: EventStore, fileNames: [String], scans: [FileScan]) {
        var standard = options
        standard.filter = nil
        let scans = Scanner.scan(sources, options: standard)
        var events = EventStore()
        for scan in scans { events.append(contentsOf: scan.events) }
        return (events, scans.map(\.source.displayName), scans)
    }
}

/// A simulation with its input, for analyses that show simulated bans.
public struct SimulationRun: Sendable {
    public var input: SimulationInput
    public var result: SimulationResult
    public var options: SimulationOptions
    /// The display name of each stream of `input`.
    public var streamNames: [String]

    public init(input: SimulationInput, result: SimulationResult, options: SimulationOptions, streamNames: [String]) {
        self.input = input
        self.result = result
        self.options = options
        self.streamNames = streamNames
    }

    /// The simulated bans of `ip`, in start order.
    public func bans(of ip: IPAddress) -> [SimulatedBan] {
        result.bans.filter { input.events.hosts[Int($0.host)].address == ip }
    }
}
