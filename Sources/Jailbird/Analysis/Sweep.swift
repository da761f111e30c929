import Dispatch
/// One combination of the settings `jailbird sweep` tries for a jail.
public struct SweepSetting: Sendable, Hashable, CustomStringConvertible {
    public var maxRetry: Int
    /// Seconds.
    public var findTime: Double
    /// Seconds; -1 bans for ever.
    public var banTime: Int64
    /// `bantime.increment` on (with the jail's own `bantime.*` settings, else fail2ban's defaults).
    public var increment: Bool

    public init(maxRetry: Int, findTime: Double, banTime: Int64, increment: Bool) {
        self.maxRetry = maxRetry
        self.findTime = findTime
        self.banTime = banTime < 0 ? -1 : banTime
        self.increment = increment
    }

    /// The swept settings of `parameters`.
    public init(of parameters: JailParameters) {
        self.init(
            maxRetry: parameters.maxRetry, findTime: parameters.findTime, banTime: parameters.banTime,
            increment: parameters.increment != nil)
    }

    /// Every combination, maxretry varying slowest and increment fastest.
    public static func grid(maxRetry: [Int], findTime: [Double], banTime: [Int64], increment: [Bool]) -> [SweepSetting] {
        var settings: [SweepSetting] = []
        for retry in maxRetry {
            for find in findTime {
                for ban in banTime {
                    for incremented in increment {
                        settings.append(SweepSetting(maxRetry: retry, findTime: find, banTime: ban, increment: incremented))
                    }
                }
            }
        }
        return settings
    }

    /// `maxretry 5, findtime 1d, bantime 1w, bantime.increment off`
    public var description: String {
        "maxretry \(maxRetry), findtime \(Format.duration(findTime)), bantime "
            + (banTime < 0 ? "-1 (permanent)" : Format.duration(Double(banTime)))
            + ", bantime.increment \(increment ? "on" : "off")"
    }

    /// `parameters` with these settings; `increment` on keeps the jail's `bantime.*` settings.
    func applied(to parameters: JailParameters) -> JailParameters {
        var result = parameters
        result.maxRetry = maxRetry
        result.findTime = findTime
        result.banTime = banTime
        result.increment = increment ? (parameters.increment ?? BanTimeIncrement()) : nil
        return result
    }
}

/// What one combination of settings would have done to the swept jail.
///
/// Failures are the swept jail's failures from addresses that are not ignored (`ignoreip`);
/// a failure from an IP that the simulation had banned counts as prevented. Legitimate IPs are
/// those with a successful login in the jail's logs or inside the trusted networks; attackers are
/// the other IPs with counted failures.
public struct SweepRow: Sendable, Equatable {
    public var setting: SweepSetting
    public var bans = 0
    /// Distinct IPs banned at least once.
    public var ipsBanned = 0
    /// Failures counted plus failures prevented (the same for every row of a sweep).
    public var failures = 0
    public var prevented = 0
    public var attackers = 0
    public var attackersNeverBanned = 0
    /// Legitimate IPs banned at least once, and how many bans they got.
    public var legitimateIPsLockedOut = 0
    public var legitimateLockouts = 0
    /// The median over banned attackers of the seconds from the first counted failure to the
    /// first ban (the mean of the two middle values for an even count, rounded down); nil when
    /// no attacker was banned.
    public var medianSecondsToBan: Int64?
    /// Bans still in force at the end of the replay (permanent ones included): never unbanned.
    public var bansRunningAtEnd = 0
    /// On the Pareto front of the sweep (see `Sweep`).
    public var isPareto = false
    /// The jail's configured settings.
    public var isCurrent = false

    public init(setting: SweepSetting) {
        self.setting = setting
    }

    /// Prevented failures as a fraction of all failures (0 when there were none).
    public var preventedFraction: Double { failures == 0 ? 0 : Double(prevented) / Double(failures) }

    /// Firewall operations: a ban and an unban per ban, except bans still running at the end.
    public var churn: Int { 2 * bans - bansRunningAtEnd }

    /// True when this row is at least as good on every objective and better on one.
    public func dominates(_ other: SweepRow) -> Bool {
        let atLeastAsGood =
            prevented * other.failures >= other.prevented * failures
            && legitimateIPsLockedOut <= other.legitimateIPsLockedOut && churn <= other.churn
        let better =
            prevented * other.failures > other.prevented * failures
            || legitimateIPsLockedOut < other.legitimateIPsLockedOut || churn < other.churn
        return atLeastAsGood && better
    }
}

/// The outcome of a sweep: one row per combination, the Pareto marks and the recommendation.
public struct SweepResult: Sendable {
    /// The swept jail's name.
    public var jail: String
    public var rows: [SweepRow]
    /// Index of the recommended row; nil when there are no rows.
    public var recommended: Int?
    /// Index of the row a reader should weigh against the recommendation (see `Sweep`).
    public var runnerUp: Int?
    /// Index of the configuration's current row, when asked for.
    public var current: Int?
    /// IPs with failures in the jail that count as legitimate (a success or a trusted network).
    public var legitimateIPs: Int
    /// The replayed span.
    public var start: Int64
    public var end: Int64

    /// The failures every row shares, and the attackers.
    public var failures: Int { rows.first?.failures ?? 0 }
    public var attackers: Int { rows.first?.attackers ?? 0 }
}

/// `jailbird sweep`: the same events replayed through a jail under many combinations of
/// maxretry, findtime, bantime and bantime.increment.
///
/// Each combination is a `JailSimulator.simulate` of the same input with the swept jail's
/// settings changed; the per-IP facts that do not depend on the settings (first failure,
/// legitimate or not) are worked out once.
///
/// Objectives of the Pareto front: maximise the failures prevented, minimise the legitimate IPs
/// locked out, minimise firewall churn. A row is Pareto-optimal when no other row is at least as
/// good on all three and better on one.
///
/// The recommendation is the Pareto-optimal row with the fewest legitimate IPs locked out, then
/// the fewest lockouts, then the most failures prevented, then the least churn, then the first
/// in grid order. The runner-up is, among the other Pareto-optimal rows that prevent more, the
/// one with the fewest legitimate IPs locked out (then most prevented, least churn); when none
/// prevents more, the next Pareto-optimal row in the recommendation's order.
public enum Sweep {
    /// - Parameters:
    ///   - input: the jails and their events, as for `JailSimulator.simulate`.
    ///   - jail: the index of the swept jail in `input.jails`; the other jails keep their settings.
    ///   - settings: the combinations to try.
    ///   - includeCurrent: add the jail's settings in `input` as a row (marked current), unless
    ///     `settings` already holds them.
    ///   - trusted: networks whose IPs count as legitimate users.
    public static func run(
        _ input: SimulationInput, jail: Int, settings: [SweepSetting], includeCurrent: Bool = false,
        trusted: IgnoreList = IgnoreList(), options: SimulationOptions = SimulationOptions()
    ) -> SweepResult {
        var settings = settings
        var current: Int?
        if includeCurrent {
            let configured = SweepSetting(of: input.jails[jail])
            if let found = settings.firstIndex(of: configured) {
                current = found
            } else {
                current = settings.count
                settings.append(configured)
            }
        }
        let facts = HostFacts(input, jail: jail, legitimate: legitimateHosts(input, jail: jail, trusted: trusted))
        let tallies = replay(input, jail: jail, settings: settings, facts: facts, options: options)
        var rows = zip(settings, tallies).map { setting, tally in tally.row(setting) }
        if let current { rows[current].isCurrent = true }
        for index in rows.indices {
            rows[index].isPareto = !rows.contains { $0.dominates(rows[index]) }
        }
        let (recommended, runnerUp) = choose(rows)
        return SweepResult(
            jail: input.jails[jail].name, rows: rows, recommended: recommended, runnerUp: runnerUp, current: current,
            legitimateIPs: facts.legitimateWithFailures, start: input.start, end: input.end)
    }

    /// The recommendation and the runner-up among the Pareto-optimal rows.
    static func choose(_ rows: [SweepRow]) -> (recommended: Int?, runnerUp: Int?) {
        let front = rows.indices.filter { rows[$0].isPareto }
        func preference(_ a: Int, _ b: Int) -> Bool {
            let x = rows[a]
            let y = rows[b]
            if x.legitimateIPsLockedOut != y.legitimateIPsLockedOut { return x.legitimateIPsLockedOut < y.legitimateIPsLockedOut }
            if x.legitimateLockouts != y.legitimateLockouts { return x.legitimateLockouts < y.legitimateLockouts }
            if x.prevented != y.prevented { return x.prevented > y.prevented }
            if x.churn != y.churn { return x.churn < y.churn }
            return a < b
        }
        let ranked = front.sorted(by: preference)
        guard let best = ranked.first else { return (nil, nil) }
        let preventsMore = ranked.dropFirst().filter { rows[$0].prevented > rows[best].prevented }
        let runnerUp = preventsMore.min { a, b in
            let x = rows[a]
            let y = rows[b]
            if x.legitimateIPsLockedOut != y.legitimateIPsLockedOut { return x.legitimateIPsLockedOut < y.legitimateIPsLockedOut }
            if x.prevented != y.prevented { return x.prevented > y.prevented }
            if x.churn != y.churn { return x.churn < y.churn }
            return a < b
        } ?? ranked.dropFirst().first
        return (best, runnerUp)
    }

    /// By host id: whether the host had a successful login in the swept jail's logs or lies in
    /// a trusted network.
    static func legitimateHosts(_ input: SimulationInput, jail: Int, trusted: IgnoreList) -> [Bool] {
        let events = input.events
        var legitimate = [Bool](repeating: false, count: events.hosts.count)
        let ofJail = input.streamJails.map { $0 == jail }
        events.kinds.withUnsafeBufferPointer { kinds in
            for index in kinds.indices where kinds[index] == .success {
                if ofJail[Int(events.files[index])] { legitimate[Int(events.hostIDs[index])] = true }
            }
        }
        if !trusted.networks.isEmpty {
            for (id, host) in events.hosts.enumerated() {
                if let address = host.address, trusted.contains(address) { legitimate[id] = true }
            }
        }
        return legitimate
    }

    /// Per setting counts.
    struct Tally {
        var bans = 0
        var ipsBanned = 0
        var running = 0
        var legitimateIPs = 0
        var legitimateBans = 0
        var attackers = 0
        var attackersBanned = 0
        var secondsToBan: [Int64] = []
        var counted = 0
        var prevented = 0

        func row(_ setting: SweepSetting) -> SweepRow {
            var row = SweepRow(setting: setting)
            row.bans = bans
            row.ipsBanned = ipsBanned
            row.bansRunningAtEnd = running
            row.legitimateIPsLockedOut = legitimateIPs
            row.legitimateLockouts = legitimateBans
            row.attackers = attackers
            row.attackersNeverBanned = attackers - attackersBanned
            row.failures = counted + prevented
            row.prevented = prevented
            if !secondsToBan.isEmpty {
                let sorted = secondsToBan.sorted()
                let middle = sorted.count / 2
                row.medianSecondsToBan =
                    sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
            }
            return row
        }
    }

    /// What the sweep needs to know of each host, whatever the settings: its first failure in the
    /// swept jail (the replay counts it: no ban can precede it) and whether it is legitimate.
    struct HostFacts {
        /// By host id: the time of the first failure in the jail, nil without one (or when the
        /// jail ignores the host, or it is a host name).
        var firstFailure: [Int64?]
        var legitimate: [Bool]
        var attackers = 0
        var legitimateWithFailures = 0

        init(_ input: SimulationInput, jail: Int, legitimate: [Bool]) {
            self.legitimate = legitimate
            let events = input.events
            let ignore = input.jails[jail].ignore
            let end = input.end
            // The streams of the jail, by stream index.
            let ofJail = input.streamJails.map { $0 == jail }
            var first = [Int64?](repeating: nil, count: events.hosts.count)
            events.kinds.withUnsafeBufferPointer { kinds in
                events.times.withUnsafeBufferPointer { times in
                    events.hostIDs.withUnsafeBufferPointer { hostIDs in
                        events.files.withUnsafeBufferPointer { files in
                            for index in kinds.indices where kinds[index] == .failure {
                                let time = times[index]
                                guard ofJail[Int(files[index])], time <= end else { continue }
                                let host = Int(hostIDs[index])
                                if let known = first[host], known <= time { continue }
                                first[host] = time
                            }
                        }
                    }
                }
            }
            for host in first.indices where first[host] != nil {
                guard let address = events.hosts[host].address, !ignore.contains(address) else {
                    first[host] = nil
                    continue
                }
                if legitimate[host] { legitimateWithFailures += 1 } else { attackers += 1 }
            }
            firstFailure = first
        }
    }

    /// The swept jail's numbers in one simulation's result.
    static func tally(_ result: SimulationResult, jail: Int, facts: HostFacts, end: Int64) -> Tally {
        var tally = Tally()
        tally.attackers = facts.attackers
        tally.counted = result.totals[jail].counted
        tally.prevented = result.totals[jail].prevented
        // Bans come ordered by start: the first ban of a host in the jail is its first. A flat
        // count per host id (a dictionary costs more than the replay for hundreds of thousands of bans).
        var bansOfHost = [UInt32](repeating: 0, count: facts.legitimate.count)
        for ban in result.bans where ban.jail == jail {
            tally.bans += 1
            if (ban.end ?? .infinity) >= Double(end) { tally.running += 1 }
            let host = Int(ban.host)
            bansOfHost[host] += 1
            if facts.legitimate[host] { tally.legitimateBans += 1 }
            guard bansOfHost[host] == 1 else { continue }
            tally.ipsBanned += 1
            if facts.legitimate[host] {
                tally.legitimateIPs += 1
            } else if let first = facts.firstFailure[host] {
                tally.attackersBanned += 1
                tally.secondsToBan.append(ban.start - first)
            }
        }
        return tally
    }

    /// Simulates every setting (`JailSimulator.simulate`, which spreads the IPs over the cores)
    /// and tallies the swept jail.
    static func replay(
        _ input: SimulationInput, jail: Int, settings: [SweepSetting], facts: HostFacts, options: SimulationOptions
    ) -> [Tally] {
        // The host grouping is the same for every setting: build it once. Settings run side by
        // side on the cores, each simulation on one (faster than one after another on all cores).
        let plan = SimulationPlan(input.events)
        var oneWorker = options
        oneWorker.workers = 1
        let single = oneWorker
        var tallies = [Tally](repeating: Tally(), count: settings.count)
        tallies.withUnsafeMutableBufferPointer { slots in
            nonisolated(unsafe) let base = slots.baseAddress!
            DispatchQueue.concurrentPerform(iterations: settings.count) { index in
                var variant = input
                variant.jails[jail] = settings[index].applied(to: input.jails[jail])
                (base + index).pointee = tally(
                    JailSimulator.simulate(variant, plan: plan, options: single), jail: jail, facts: facts, end: input.end)
            }
        }
        return tallies
    }
}
