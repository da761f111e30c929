
/// The public ban timeline format of `jailbird simulate --bans` (documented in the README).
///
/// Fields: `jail`, `ip`, `start`, `end` (RFC 3339 UTC; `end` null — CSV: empty — when permanent),
/// `bantime` (seconds, -1 permanent, after increments and prolongations), `count` (fail2ban's ban
/// count), `failures` (failures the ticket counted), `prolongations`, `trigger_file` and
/// `trigger_line` (the line that completed the ban; for a recidive ban fed by simulated bans,
/// the line behind the ban that completed it).
public enum BanFormat: String, CaseIterable, Sendable {
    case ndjson
    case csv

    public static let csvHeader = "jail,ip,start,end,bantime,count,failures,prolongations,trigger_file,trigger_line\n"

    public func line(for ban: SimulatedBan, in result: SimulationResult, input: SimulationInput, streamNames: [String])
        -> String
    {
        let jail = input.jails[ban.jail].name
        let ip = input.events.hosts[Int(ban.host)].description
        let end = ban.end.map { rfc3339UTC(Int64($0.rounded(.down))) }
        let trigger = Self.triggerEvent(of: ban, in: result)
        let file = trigger.map { streamNames[Int(input.events.files[$0])] }
        let line = trigger.map { Int(input.events.lines[$0]) }
        switch self {
        case .ndjson:
            var text = "{\"jail\":" + SafeText.json(jail) + ",\"ip\":\"" + ip + "\",\"start\":\"" + rfc3339UTC(ban.start)
            text += "\",\"end\":" + (end.map { "\"" + $0 + "\"" } ?? "null")
            text += ",\"bantime\":" + Format.number(ban.banTime) + ",\"count\":\(ban.count),\"failures\":\(ban.failures)"
            text += ",\"prolongations\":\(ban.prolongations),\"trigger_file\":" + (file.map(SafeText.json) ?? "null")
            text += ",\"trigger_line\":" + (line.map(String.init) ?? "null") + "}\n"
            return text
        case .csv:
            return [
                SafeText.csv(jail), ip, rfc3339UTC(ban.start), end ?? "", Format.number(ban.banTime), String(ban.count),
                String(ban.failures), String(ban.prolongations), file.map(SafeText.csv) ?? "", line.map(String.init) ?? "",
            ].joined(separator: ",") + "\n"
        }
    }

    /// The event behind a ban, following recidive bans back to the ban that fed them.
    static func triggerEvent(of ban: SimulatedBan, in result: SimulationResult) -> Int? {
        var current = ban
        for _ in 0..<16 {
            if let event = current.triggerEvent { return event }
            guard let previous = current.triggerBan else { return nil }
            current = result.bans[previous]
        }
        return nil
    }
}

/// The human summary of `jailbird simulate`: per jail, bans, IPs banned, failures that got through
/// and were prevented, attackers never banned, ban-hours and time to ban.
public struct SimulationSummary {
    public var input: SimulationInput
    public var result: SimulationResult
    public var options: SimulationOptions

    public init(input: SimulationInput, result: SimulationResult, options: SimulationOptions) {
        self.input = input
        self.result = result
        self.options = options
    }

    /// Hours of bans, each counted up to the end of the replay (permanent ones too).
    public func banHours(jail: Int) -> Double {
        var seconds = 0.0
        for ban in result.bans where ban.jail == jail {
            let end = min(ban.end ?? .infinity, Double(input.end))
            seconds += max(0, end - Double(ban.start))
        }
        return seconds / 3600
    }

    public func render() -> String {
        var out = "Simulated \(input.jails.count) jail\(input.jails.count == 1 ? "" : "s") from "
        out += "\(rfc3339UTC(input.start)) to \(rfc3339UTC(input.end)); failures from banned IPs: "
        out += options.whileBanned == .prevented ? "prevented (--while-banned prevented)\n\n" : "counted, as fail2ban does (--while-banned counted)\n\n"
        for (index, jail) in input.jails.enumerated() {
            let totals = result.totals[index]
            let bans = result.bans.filter { $0.jail == index }
            let bannedIPs = Set(bans.map(\.host)).count
            out += "[\(SafeText.terminal(jail.name))] filter \(jail.filter), maxretry \(jail.maxRetry), "
            out += "findtime \(Format.duration(jail.findTime)), bantime \(jail.banTime < 0 ? "permanent" : Format.duration(Double(jail.banTime)))"
            out += jail.increment != nil ? ", bantime.increment on\n" : "\n"
            out += "  bans                     \(Format.count(bans.count)) (\(Format.count(bannedIPs)) IPs)"
            if totals.prolonged > 0 { out += ", \(Format.count(totals.prolonged)) prolonged" }
            out += "\n"
            let arrived = totals.counted + totals.prevented
            out += "  failures counted         \(Format.count(totals.counted)) of \(Format.count(arrived))"
            if options.whileBanned == .prevented {
                out += "; prevented by bans \(Format.count(totals.prevented))"
                if arrived > 0 { out += " (" + Format.fixed(100 * Double(totals.prevented) / Double(arrived), decimals: 1) + "%)" }
            } else if totals.duringBan > 0 {
                out += "; \(Format.count(totals.duringBan)) arrived while banned"
            }
            out += "\n"
            if totals.ignored > 0 { out += "  ignored (ignoreip)       \(Format.count(totals.ignored))\n" }
            if totals.unresolved > 0 { out += "  host names (need DNS)    \(Format.count(totals.unresolved)) failures not counted\n" }
            out += "  attackers never banned   \(Format.count(totals.neverBanned)) of \(Format.count(totals.attackers))\n"
            out += "  ban-hours                " + Format.fixed(banHours(jail: index), decimals: 1) + "\n"
            if !totals.secondsToFirstBan.isEmpty {
                let sorted = totals.secondsToFirstBan.sorted()
                out += "  first failure to ban     median \(Format.duration(Double(sorted[sorted.count / 2])))"
                out += ", max \(Format.duration(Double(sorted.last!)))\n"
            }
            if totals.boosts > 0 { out += "  increment boosts         \(Format.count(totals.boosts))\n" }
            out += "\n"
        }
        return out
    }
}

extension Format {
    /// A number as fail2ban prints it: integers without a fraction.
    public static func number(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// Seconds as fail2ban-style text: 90 → "1m30s", 3600 → "1h", 86400 → "1d".
    public static func duration(_ seconds: Double) -> String {
        if seconds < 0 { return "permanent" }
        var rest = Int64(seconds.rounded())
        if rest == 0 { return "0s" }
        var text = ""
        for (unit, size) in [("w", Int64(604_800)), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
