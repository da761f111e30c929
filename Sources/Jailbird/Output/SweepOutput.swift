
/// The output formats of `jailbird sweep` (the columns are documented in the README).
///
/// CSV and JSON rows carry: `maxretry`, `findtime` and `bantime` (seconds; bantime -1 is
/// permanent), `increment` (`on`/`off`), `bans`, `ips_banned`, `failures` (counted + prevented),
/// `prevented`, `prevented_percent`, `attackers`, `attackers_never_banned`,
/// `legitimate_ips_locked_out`, `legitimate_lockouts` (bans of those IPs),
/// `median_seconds_to_ban` (empty/null when no attacker was banned), `bans_running_at_end`,
/// `churn` (ban + unban operations), `pareto`, `recommended`, `current` (true/false).
public enum SweepFormat: String, CaseIterable, Sendable {
    case table
    case csv
    case json

    public static let csvHeader =
        "maxretry,findtime,bantime,increment,bans,ips_banned,failures,prevented,prevented_percent,attackers,"
        + "attackers_never_banned,legitimate_ips_locked_out,legitimate_lockouts,median_seconds_to_ban,"
        + "bans_running_at_end,churn,pareto,recommended,current\n"

    public func render(_ result: SweepResult) -> String {
        switch self {
        case .table: return SweepTable(result: result).render()
        case .csv: return Self.csv(result)
        case .json: return Self.json(result)
        }
    }

    static func percent(_ row: SweepRow) -> String { Format.fixed(100 * row.preventedFraction, decimals: 2) }

    static func csv(_ result: SweepResult) -> String {
        var out = csvHeader
        for (index, row) in result.rows.enumerated() {
            let setting = row.setting
            let cells: [String] = [
                String(setting.maxRetry), Format.number(setting.findTime), String(setting.banTime),
                setting.increment ? "on" : "off", String(row.bans), String(row.ipsBanned), String(row.failures),
                String(row.prevented), percent(row), String(row.attackers), String(row.attackersNeverBanned),
                String(row.legitimateIPsLockedOut), String(row.legitimateLockouts),
                row.medianSecondsToBan.map(String.init) ?? "", String(row.bansRunningAtEnd), String(row.churn),
                String(row.isPareto), String(result.recommended == index), String(row.isCurrent),
            ]
            out += cells.joined(separator: ",") + "\n"
        }
        return out
    }

    static func json(_ result: SweepResult) -> String {
        func index(_ value: Int?) -> String { value.map(String.init) ?? "null" }
        var out = "{\"jail\":" + SafeText.json(result.jail) + ",\"start\":\"" + rfc3339UTC(result.start)
        out += "\",\"end\":\"" + rfc3339UTC(result.end) + "\",\"failures\":\(result.failures)"
        out += ",\"attackers\":\(result.attackers),\"legitimate_ips\":\(result.legitimateIPs)"
        out += ",\"objectives\":[\"maximise prevented\",\"minimise legitimate_ips_locked_out\",\"minimise churn\"]"
        out += ",\"rows\":["
        for (position, row) in result.rows.enumerated() {
            let setting = row.setting
            if position > 0 { out += "," }
            out += "{\"maxretry\":\(setting.maxRetry),\"findtime\":" + Format.number(setting.findTime)
            out += ",\"bantime\":\(setting.banTime),\"increment\":\"\(setting.increment ? "on" : "off")\""
            out += ",\"bans\":\(row.bans),\"ips_banned\":\(row.ipsBanned),\"failures\":\(row.failures)"
            out += ",\"prevented\":\(row.prevented),\"prevented_percent\":" + percent(row)
            out += ",\"attackers\":\(row.attackers),\"attackers_never_banned\":\(row.attackersNeverBanned)"
            out += ",\"legitimate_ips_locked_out\":\(row.legitimateIPsLockedOut)"
            out += ",\"legitimate_lockouts\":\(row.legitimateLockouts)"
            out += ",\"median_seconds_to_ban\":" + (row.medianSecondsToBan.map(String.init) ?? "null")
            out += ",\"bans_running_at_end\":\(row.bansRunningAtEnd),\"churn\":\(row.churn)"
            out += ",\"pareto\":\(row.isPareto),\"recommended\":\(result.recommended == position)"
            out += ",\"current\":\(row.isCurrent)}"
        }
        out += "],\"recommended\":" + index(result.recommended) + ",\"runner_up\":" + index(result.runnerUp)
        out += ",\"current\":" + index(result.current)
        out += ",\"rationale\":" + (result.rationale().map(SafeText.json) ?? "null") + "}\n"
        return out
    }
}

/// The human table of `jailbird sweep`: one line per setting within 80 columns, a legend, and the
/// recommendation's rationale.
public struct SweepTable {
    public var result: SweepResult

    public init(result: SweepResult) {
        self.result = result
    }

    static let widths = [-2, 5, -5, -5, -3, 7, 6, 6, 6, 7, 6, 7]

    /// `★` recommended, `*` other Pareto-optimal rows; `=` after it marks the current settings.
    public func mark(_ index: Int) -> String {
        let row = result.rows[index]
        let first = result.recommended == index ? "★" : (row.isPareto ? "*" : " ")
        return first + (row.isCurrent ? "=" : " ")
    }

    public func render() -> String {
        var out = "Sweep of jail [\(SafeText.terminal(result.jail))]: \(result.rows.count) setting"
        out += result.rows.count == 1 ? "" : "s"
        out += " replayed from \(rfc3339UTC(result.start))\n"
        out += "to \(rfc3339UTC(result.end)): \(Format.count(result.failures)) failures from "
        out += "\(Format.count(result.attackers)) attacking IP\(result.attackers == 1 ? "" : "s")"
        out += " and \(Format.count(result.legitimateIPs)) legitimate IP\(result.legitimateIPs == 1 ? "" : "s")\n\n"
        out += Format.row(
            ["", "retry", "find", "ban", "inc", "bans", "IPs", "prev.", "never", "legit", "to ban", "churn"],
            widths: Self.widths) + "\n"
        for (index, row) in result.rows.enumerated() {
            let setting = row.setting
            let legit =
                row.legitimateIPsLockedOut == 0
                ? "0" : "\(Format.count(row.legitimateIPsLockedOut))(\(Format.count(row.legitimateLockouts)))"
            let cells = [
                mark(index), String(setting.maxRetry), Format.duration(setting.findTime),
                setting.banTime < 0 ? "perm" : Format.duration(Double(setting.banTime)), setting.increment ? "on" : "off",
                Format.count(row.bans), Format.count(row.ipsBanned), Format.fixed(100 * row.preventedFraction, decimals: 1) + "%",
                Format.count(row.attackersNeverBanned), legit,
                row.medianSecondsToBan.map { Format.duration(Double($0)) } ?? "-", Format.count(row.churn),
            ]
            out += Format.row(cells, widths: Self.widths) + "\n"
        }
        out += "\n"
        let legend = [
            "retry, find, ban, inc: maxretry, findtime, bantime (perm: -1), bantime.increment",
            "bans, IPs: bans and distinct IPs banned",
            "prev.: failures prevented (they arrived while the IP was banned)",
            "never: attacking IPs never banned; legit: legitimate IPs locked out (bans)",
            "to ban: median time from an attacker's first failure to its ban",
            "churn: firewall operations (ban + unban)",
            "★ recommended; * Pareto-optimal: no other row prevents more, locks out fewer",
            "  legitimate IPs and causes less churn at once"
                + (result.current != nil ? "; = the current configuration" : ""),
        ]
        out += legend.joined(separator: "\n") + "\n"
        if let rationale = result.rationale() {
            out += "\n" + Self.wrap(rationale, width: 80) + "\n"
        }
        return out
    }

    /// Words of `text` on lines of at most `width` columns.
    static func wrap(_ text: String, width: Int) -> String {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines.joined(separator: "\n")
    }
}

extension SweepResult {
    /// One paragraph for a change request: the recommended settings, what they would have done
    /// (with the numbers), the current settings' numbers, the runner-up's trade-off and the rule
    /// that chose. Nil when there is nothing to recommend.
    public func rationale() -> String? {
        guard let recommended else { return nil }
        let row = rows[recommended]
        func percent(_ row: SweepRow) -> String { Format.fixed(100 * row.preventedFraction, decimals: 1) + "%" }
        func lockouts(_ row: SweepRow) -> String {
            if row.legitimateIPsLockedOut == 0 { return "locked out no legitimate IP" }
            let ips = row.legitimateIPsLockedOut
            let bans = row.legitimateLockouts
            return "locked out \(Format.count(ips)) legitimate IP\(ips == 1 ? "" : "s") (\(Format.count(bans)) ban\(bans == 1 ? "" : "s"))"
        }
        let name = SafeText.terminal(jail)
        var text = "Proposed fail2ban settings for the jail [\(name)]: \(row.setting)"
        if let current, current != recommended { text += " (currently \(rows[current].setting))" }
        if current == recommended { text += " (the current settings)" }
        text += ". jailbird replayed the logs from \(rfc3339UTC(start)) to \(rfc3339UTC(end)) "
        text += "(\(Format.count(failures)) failures from \(Format.count(attackers)) attacking IPs"
        text += " and \(Format.count(legitimateIPs)) legitimate IP\(legitimateIPs == 1 ? "" : "s"))"
        text += " through fail2ban's jail algorithm under \(rows.count) combination\(rows.count == 1 ? "" : "s") of settings."
        text += " With the proposed settings the jail would have prevented \(percent(row)) of the failures"
        text += " (\(Format.count(row.prevented))), banned \(Format.count(row.ipsBanned)) IP\(row.ipsBanned == 1 ? "" : "s")"
        text += " in \(Format.count(row.bans)) ban\(row.bans == 1 ? "" : "s")"
        if let median = row.medianSecondsToBan {
            text += " (a median of \(Format.duration(Double(median))) after an attacker's first failure)"
        }
        text += ", left \(Format.count(row.attackersNeverBanned)) of \(Format.count(row.attackers)) attacking IPs unbanned,"
        text += " caused \(Format.count(row.churn)) firewall operations and \(lockouts(row))."
        if let current, current != recommended {
            let now = rows[current]
            text += " The current settings prevent \(percent(now)), cause \(Format.count(now.churn)) firewall operations"
            text += " and \(lockouts(now).replacing("locked out", with: "lock out"))."
        }
        if let runnerUp {
            let other = rows[runnerUp]
            text += " The runner-up, \(other.setting), would prevent \(percent(other))"
            text += ", cause \(Format.count(other.churn)) firewall operations"
            text += " and \(lockouts(other).replacing("locked out", with: "lock out"))."
        }
        text += " The proposal is the Pareto-optimal setting (no other prevents more failures, locks out fewer"
        text += " legitimate IPs and causes less churn at once) with the fewest legitimate lockouts, then the most"
        text += " failures prevented; failures arriving while an IP was banned count as prevented, and an IP with a"
        text += " successful login or in a trusted network counts as legitimate."
        return text
    }
}
