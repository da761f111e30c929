/// A ban fail2ban really made (a `Ban` or `Restore Ban` line of fail2ban.log).
public struct RealBan: Sendable, Equatable {
    public var jail: String
    public var ip: IPAddress
    public var time: Int64
    /// True for `Restore Ban` (a ban carried over a restart, not a new decision).
    public var restored: Bool

    public init(jail: String, ip: IPAddress, time: Int64, restored: Bool) {
        self.jail = jail
        self.ip = ip
        self.time = time
        self.restored = restored
    }
}

/// How the simulated bans of a configuration line up with the bans fail2ban really made.
public struct BanComparison: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The simulation banned the IP in that jail within `tolerance` of the real ban
        /// (`offset` = simulated start − real time), or already had it banned then.
        case reproduced(ban: Int, offset: Int64)
        /// No simulated ban: why, in a sentence.
        case missed(reason: String)
    }

    /// Each real ban of a simulated jail, with its outcome.
    public var real: [(ban: RealBan, outcome: Outcome)]
    /// Simulated bans without a real ban near their start, with a reason.
    public var added: [(ban: Int, reason: String)]
    /// Real bans of jails that were not simulated.
    public var otherJails: Int

    /// Seconds between a real ban and a simulated one that still count as the same decision: a
    /// live fail2ban reads lines a little after they are written.
    public static let tolerance: Int64 = 60

    public init(input: SimulationInput, result: SimulationResult, realBans: [RealBan]) {
        var real: [(ban: RealBan, outcome: Outcome)] = []
        var otherJails = 0
        var matchedSimulated = Set<Int>()
        // Simulated bans by (jail name, ip).
        var byKey: [String: [Int]] = [:]
        for (index, ban) in result.bans.enumerated() {
            guard let ip = input.events.hosts[Int(ban.host)].address else { continue }
            byKey["\(input.jails[ban.jail].name) \(ip)", default: []].append(index)
        }
        // Failure times per (jail, IP), built once for the reasons of missed bans.
        var failureTimes: [String: [Int64]] = [:]
        let events = input.events
        for index in events.indices where events.kinds[index] == .failure {
            guard let ip = events.host(at: index).address else { continue }
            failureTimes["\(input.streamJails[Int(events.files[index])]) \(ip)", default: []].append(events.times[index])
        }
        for realBan in realBans.sorted(by: { $0.time < $1.time }) {
            guard let jail = input.jails.firstIndex(where: { $0.name == realBan.jail }) else {
                otherJails += 1
                continue
            }
            let candidates = byKey["\(realBan.jail) \(realBan.ip)"] ?? []
            // The closest simulated start, else a simulated ban running at that time.
            let near = candidates.filter { abs(result.bans[$0].start - realBan.time) <= Self.tolerance }
                .min { abs(result.bans[$0].start - realBan.time) < abs(result.bans[$1].start - realBan.time) }
            if let near {
                matchedSimulated.insert(near)
                real.append((realBan, .reproduced(ban: near, offset: result.bans[near].start - realBan.time)))
                continue
            }
            if let running = candidates.first(where: {
                result.bans[$0].start <= realBan.time && Double(realBan.time) <= (result.bans[$0].end ?? .infinity)
            }) {
                matchedSimulated.insert(running)
                real.append((realBan, .reproduced(ban: running, offset: result.bans[running].start - realBan.time)))
                continue
            }
            real.append(
                (realBan, .missed(reason: Self.whyNot(realBan, jail: jail, input: input, failureTimes: failureTimes["\(jail) \(realBan.ip)"] ?? []))))
        }
        var added: [(ban: Int, reason: String)] = []
        for index in result.bans.indices where !matchedSimulated.contains(index) {
            let ban = result.bans[index]
            guard let ip = input.events.hosts[Int(ban.host)].address else { continue }
            let name = input.jails[ban.jail].name
            let realOfIP = realBans.filter { $0.jail == name && $0.ip == ip }
            let reason: String
            if realOfIP.isEmpty {
                reason = "fail2ban.log has no ban of this IP in [\(name)]"
            } else {
                let closest = realOfIP.min { abs($0.time - ban.start) < abs($1.time - ban.start) }!
                reason = "fail2ban's nearest ban of this IP in [\(name)] was \(Format.duration(Double(abs(closest.time - ban.start)))) \(closest.time < ban.start ? "earlier" : "later")"
            }
            added.append((index, reason))
        }
        self.real = real
        self.added = added
        self.otherJails = otherJails
    }

    /// Why the simulation did not ban at the time of a real ban: the failures it saw.
    static func whyNot(_ realBan: RealBan, jail: Int, input: SimulationInput, failureTimes: [Int64]) -> String {
        if realBan.restored { return "a Restore Ban after a restart: fail2ban carried an earlier ban over" }
        let parameters = input.jails[jail]
        if parameters.ignore.contains(realBan.ip) { return "the IP is in ignoreip of the simulated configuration" }
        if failureTimes.isEmpty {
            return parameters.isRecidive
                ? "the simulation did not ban this IP often enough in the other jails"
                : "the given logs hold no failure of this IP for [\(parameters.name)]"
        }
        let within = failureTimes.filter { Double($0) > Double(realBan.time) - parameters.findTime && $0 <= realBan.time }.count
        return "the logs hold \(within) failure\(within == 1 ? "" : "s") of this IP in the \(Format.duration(parameters.findTime)) before it (maxretry \(parameters.maxRetry))"
    }
}
