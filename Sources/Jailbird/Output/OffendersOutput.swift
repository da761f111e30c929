/// The public formats of `jailbird offenders` (documented in the README, "CSV of offenders"):
/// CSV with a header (RFC 4180, formula-safe), a JSON array, or one JSON object per line.
///
/// Fields: `ip`, `first_seen` and `last_seen` (RFC 3339 UTC, of the IP's failures), `failures`
/// (what `jailbird scan` reports for the IP), `failures_asterisk`, `failures_sshd`,
/// `successes`, `distinct_users`, `top_users`, `simulated_bans` (empty / null without jails),
/// `real_bans` (Ban and Restore Ban records of fail2ban.log), `network` (/24 or /64).
public enum OffenderFormat: String, CaseIterable, Sendable {
    case csv
    case json
    case ndjson

    /// The CSV header (with its newline).
    public static let csvHeader =
        "ip,first_seen,last_seen,failures,failures_asterisk,failures_sshd,successes,distinct_users,top_users,simulated_bans,real_bans,network\n"

    /// The whole output for `rows`, in their order.
    public func render(_ rows: [Offender]) -> String {
        var out = ""
        switch self {
        case .csv:
            out = Self.csvHeader
            for row in rows { out += Self.csvRow(row) }
        case .ndjson:
            for row in rows { out += Self.jsonObject(row) + "\n" }
        case .json:
            out = "["
            for (index, row) in rows.enumerated() { out += (index == 0 ? "\n" : ",\n") + Self.jsonObject(row) }
            out += rows.isEmpty ? "]\n" : "\n]\n"
        }
        return out
    }

    /// One CSV row (with its newline).
    public static func csvRow(_ row: Offender) -> String {
        let fields = [
            row.ip.description, rfc3339UTC(row.firstSeen), rfc3339UTC(row.lastSeen), String(row.failures),
            String(row.failuresByService[Int(Service.asterisk.rawValue)]),
            String(row.failuresByService[Int(Service.sshd.rawValue)]), String(row.successes), String(row.distinctUsers),
            SafeText.csv(topUsersText(row.topUsers)), row.simulatedBans.map { String($0) } ?? "", String(row.realBans),
            row.network.description,
        ]
        return fields.joined(separator: ",") + "\n"
    }

    /// `name:count;name:count`, most tried first. A `\` or `;` inside a name is preceded by `\`,
    /// so the list splits unambiguously at unescaped `;` and each entry at its last `:`.
    public static func topUsersText(_ users: [(user: String, count: Int)]) -> String {
        users.map { entry in
            var name = ""
            for character in entry.user {
                if character == "\\" || character == ";" { name.append("\\") }
                name.append(character)
            }
            return name + ":" + String(entry.count)
        }.joined(separator: ";")
    }

    /// One JSON object (without newline). `top_users` is an array of `{"user", "count"}`.
    public static func jsonObject(_ row: Offender) -> String {
        var text = "{\"ip\":\"\(row.ip)\",\"first_seen\":\"\(rfc3339UTC(row.firstSeen))\""
        text += ",\"last_seen\":\"\(rfc3339UTC(row.lastSeen))\",\"failures\":\(row.failures)"
        text += ",\"failures_asterisk\":\(row.failuresByService[Int(Service.asterisk.rawValue)])"
        text += ",\"failures_sshd\":\(row.failuresByService[Int(Service.sshd.rawValue)])"
        text += ",\"successes\":\(row.successes),\"distinct_users\":\(row.distinctUsers),\"top_users\":["
        text += row.topUsers.map { "{\"user\":" + SafeText.json($0.user) + ",\"count\":\($0.count)}" }.joined(separator: ",")
        text += "],\"simulated_bans\":" + (row.simulatedBans.map { String($0) } ?? "null")
        text += ",\"real_bans\":\(row.realBans),\"network\":\"\(row.network)\"}"
        return text
    }
}
