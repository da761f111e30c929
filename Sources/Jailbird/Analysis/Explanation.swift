/// `jailbird explain IP`: one IP's failures in order, the jail counter after each, and why each
/// ban did or did not happen, in sentences.
public struct Explanation {
    public var input: SimulationInput
    public var result: SimulationResult
    public var host: UInt32
    public var streamNames: [String]

    public init(input: SimulationInput, result: SimulationResult, host: UInt32, streamNames: [String]) {
        self.input = input
        self.result = result
        self.host = host
        self.streamNames = streamNames
    }

    /// The host id of `ip` in the input, if it has any event.
    public static func host(of ip: IPAddress, in input: SimulationInput) -> UInt32? {
        input.events.hosts.firstIndex(of: .address(ip)).map { UInt32($0) }
    }

    /// The trace as text lines (log-derived text made safe for a terminal).
    public func render() -> String {
        guard let trace = result.trace else { return "" }
        let events = input.events
        var out = ""
        for step in trace {
            let jail = input.jails[step.jail]
            var place = "(fail2ban.log)"
            var what = "a simulated Ban line"
            if let event = step.event {
                place = "\(SafeText.terminal(streamNames[Int(events.files[event])])):\(events.lines[event])"
                what = events.rules[event].name
                if let user = events.user(at: event) { what += " user '\(SafeText.terminal(user))'" }
            }
            let time = rfc3339UTC(Int64(step.time.rounded(.down)))
            let text: String
            switch step.action {
            case .counted(let retry, let windowStart):
                text = "\(what): counted, \(Format.number(retry)) of \(jail.maxRetry) since \(rfc3339UTC(Int64(windowStart.rounded(.down))))"
            case .staleTicketDropped(let last):
                let gap = step.time - last
                text = "the counter starts again: the previous failure was \(Format.duration(gap)) earlier, findtime is \(Format.duration(jail.findTime)) (\(Format.duration(gap - jail.findTime)) too late to count with it)"
            case .rescaled(let from, let to, let span):
                text = "fail2ban's rate estimate: \(Format.number(from)) failures over \(Format.duration(span)) make \(Format.number(to)) per \(Format.duration(jail.findTime))"
            case .ignored:
                text = "\(what): ignored (ignoreip)"
            case .prevented(let blocker):
                text = "\(what): prevented, the IP is banned by [\(SafeText.terminal(input.jails[blocker].name))]"
            case .boosted(let added, let retry):
                text = "known bad IP (bantime.increment): counts \(Format.number(added)) more, \(Format.number(retry)) of \(jail.maxRetry)"
            case .banned(let index):
                let ban = result.bans[index]
                text = "BAN #\(ban.count) for \(ban.banTime < 0 ? "ever" : Format.duration(ban.banTime)), until \(ban.end.map { rfc3339UTC(Int64($0.rounded(.down))) } ?? "never")"
            case .alreadyBanned(let index, let prolonged):
                let ban = result.bans[index]
                text = prolonged
                    ? "maxretry reached again while banned: ban prolonged to \(ban.end.map { rfc3339UTC(Int64($0.rounded(.down))) } ?? "never")"
                    : "maxretry reached again while banned: the ban already lasts longer, not prolonged"
            case .unbanned:
                text = "unbanned"
            case .historyPurged:
                text = "bantime.increment forgets this IP's earlier bans (database purge)"
            }
            out += "\(time)  [\(SafeText.terminal(jail.name))]  \(place)  \(text)\n"
        }
        return out
    }

    /// Per jail, the counter at the end when it did not reach maxretry after the last ban.
    public func unfinished() -> [(jail: Int, retry: Double, since: Double)] {
        guard let trace = result.trace else { return [] }
        var last: [Int: (Double, Double)] = [:]
        for step in trace {
            switch step.action {
            case .counted(let retry, let since): last[step.jail] = (retry, since)
            case .banned, .alreadyBanned, .staleTicketDropped: last[step.jail] = nil
            default: break
            }
        }
        return last.keys.sorted().map { ($0, last[$0]!.0, last[$0]!.1) }
    }
}
