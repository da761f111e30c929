/// Columns of terminal text: how wide a string shows, and fitting log-derived text into a cell.
public enum TerminalText {
    /// The columns `text` takes on a terminal: East Asian wide characters and emoji count 2,
    /// combining marks and zero-width characters 0, everything else 1. (Control characters
    /// never reach here: `SafeText.terminal` has escaped them.)
    public static func width(_ text: String) -> Int {
        var columns = 0
        for scalar in text.unicodeScalars { columns += width(of: scalar) }
        return columns
    }

    static func width(of scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x300 { return 1 }
        switch value {
        case 0x300...0x36F, 0x200B...0x200F, 0xFE00...0xFE0F, 0x20D0...0x20FF: return 0
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
            0xFFE0...0xFFE6, 0x1F300...0x1FAFF, 0x20000...0x3FFFD:
            return 2
        default: return 1
        }
    }

    /// `text` made safe for a terminal (`SafeText.terminal`), cut to at most `columns` columns
    /// (ending in `…` when cut) and padded with blanks to exactly `columns`.
    public static func cell(_ text: String, columns: Int) -> String {
        let safe = SafeText.terminal(text)
        var result = ""
        var used = 0
        if width(safe) <= columns {
            result = safe
            used = width(safe)
        } else {
            for scalar in safe.unicodeScalars {
                let scalarWidth = width(of: scalar)
                if used + scalarWidth > columns - 1 { break }
                result.unicodeScalars.append(scalar)
                used += scalarWidth
            }
            result += "…"
            used += 1
        }
        return result + String(repeating: " ", count: max(0, columns - used))
    }
}

/// The intensity cells of the hour × day heat table.
public enum HeatScale {
    /// `.` for no failures; otherwise 1…9, the count's share of the busiest hour in ninths,
    /// rounded up (so any failure shows at least 1, and the busiest hour 9).
    public static func cell(_ count: Int, busiest: Int) -> Character {
        guard count > 0, busiest > 0 else { return "." }
        let level = min(9, max(1, (9 * count + busiest - 1) / busiest))
        return Character(String(level))
    }
}

extension Statistics {
    /// The human report of `jailbird stats`: every line fits 80 columns and log-derived text
    /// is escaped (`SafeText.terminal`). No color.
    /// - Parameter maxDays: the heat table shows at most this many days (the latest).
    public func render(maxDays: Int = 31) -> String {
        var out = ""
        out += "Failures: \(Format.count(failures)) from \(Format.count(attackers)) address\(attackers == 1 ? "" : "es")"
        out += "\nSuccessful logins: \(Format.count(successes)); all events: \(Format.count(events))\n"
        if let firstFailure, let lastFailure {
            out += "Failures from \(rfc3339UTC(firstFailure)) to \(rfc3339UTC(lastFailure))\n"
        }
        out += "Real bans (fail2ban.log): \(Format.count(realBans))"
        out += simulatedBans.map { "; simulated bans: \(Format.count($0))\n" } ?? "\n"
        if unresolvedFailures > 0 {
            out += "Failures from host names (not looked up): \(Format.count(unresolvedFailures))\n"
        }
        if failures == 0 && events == 0 { return out + "No events.\n" }

        out += "\n" + Format.row(["Service", "Failures", "Share"], widths: [-12, 12, 7]) + "\n"
        for service in Service.allCases where failuresByService[Int(service.rawValue)] > 0 {
            let count = failuresByService[Int(service.rawValue)]
            out += Format.row([service.description, Format.count(count), Self.percent(count, of: failures)], widths: [-12, 12, 7]) + "\n"
        }

        out += "\n" + Format.row(["Family", "Failures", "Addresses"], widths: [-12, 12, 10]) + "\n"
        out += Format.row(["IPv4", Format.count(families.ipv4Failures), Format.count(families.ipv4Attackers)], widths: [-12, 12, 10]) + "\n"
        out += Format.row(["IPv6", Format.count(families.ipv6Failures), Format.count(families.ipv6Attackers)], widths: [-12, 12, 10]) + "\n"

        if !topOffenders.isEmpty {
            out += "\nTop offenders\n"
            out += Format.row(["IP", "Failures", "Users", "Last seen"], widths: [-39, 9, 6, -20]) + "\n"
            for offender in topOffenders {
                out += Format.row(
                    [offender.ip.description, Format.count(offender.failures), Format.count(offender.distinctUsers),
                     rfc3339UTC(offender.lastSeen)], widths: [-39, 9, 6, -20]) + "\n"
            }
        }

        for service in Service.allCases {
            let targets = topTargets.filter { $0.service == service }
            guard !targets.isEmpty else { continue }
            out += "\nTop targeted \(service == .asterisk ? "extensions" : "users") (\(service))\n"
            out += Format.row(["Name", "Failures", "Attackers"], widths: [-40, 12, 10]) + "\n"
            for target in targets {
                let name = TerminalText.cell(target.user, columns: 40)
                out += name + " " + Format.row([Format.count(target.failures), Format.count(target.attackers)], widths: [12, 10]) + "\n"
            }
        }

        if !failedThenSucceeded.isEmpty {
            out += "\n!! Possible compromise: \(failedThenSucceeded.count) address\(failedThenSucceeded.count == 1 ? "" : "es") failed and also logged in\n"
            out += Format.row(["IP", "Failures", "Successes"], widths: [-39, 9, 10]) + "\n"
            for offender in failedThenSucceeded.prefix(topOffenders.count) {
                out += Format.row(
                    [offender.ip.description, Format.count(offender.failures), Format.count(offender.successes)],
                    widths: [-39, 9, 10]) + "\n"
            }
            if failedThenSucceeded.count > topOffenders.count {
                out += "… \(failedThenSucceeded.count - topOffenders.count) more (jailbird offenders lists them all)\n"
            }
        }

        if !days.isEmpty { out += "\n" + renderDays(maxDays: maxDays) }

        if !ruleCounts.isEmpty {
            out += "\n" + Format.row(["Service", "Kind", "Rule", "Events"], widths: [-9, -12, -44, 11]) + "\n"
            for entry in ruleCounts {
                out += Format.row(
                    [entry.service.description, entry.kind.description, entry.rule.name, Format.count(entry.count)],
                    widths: [-9, -12, -44, 11]) + "\n"
            }
        }
        return out
    }

    /// The hour × day heat table with each day's failures and new vs returning attackers.
    public func renderDays(maxDays: Int = 31) -> String {
        let shown = days.suffix(max(1, maxDays))
        let busiest = shown.map { $0.failuresByHour.max() ?? 0 }.max() ?? 0
        let widths = [-10, -24, 9, 9, 6, 9]
        var out = "Failures by hour of day (\(TerminalText.cell(zoneIdentifier, columns: 30).trimmingTrailingBlanks())) and attackers by day\n"
        out += Format.row(["", "0     6     12    18", "", "", "", ""], widths: widths) + "\n"
        out += Format.row(["Day", "", "Failures", "Attackers", "New", "Returning"], widths: widths) + "\n"
        for day in shown {
            let cells = String(day.failuresByHour.map { HeatScale.cell($0, busiest: busiest) })
            out += Format.row(
                [day.date, cells, Format.count(day.failures), Format.count(day.attackers), Format.count(day.newAttackers),
                 Format.count(day.returningAttackers)], widths: widths) + "\n"
        }
        if days.count > shown.count { out += "(\(days.count - shown.count) earlier days not shown)\n" }
        out += "Cells: . none; 1-9 ninths of the busiest hour (9 = \(Format.count(busiest)) failures).\n"
        out += "New: first failure in these logs; returning: failed on an earlier day too.\n"
        return out
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "" }
        let tenths = (part * 1000 + whole / 2) / whole
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

extension String {
    fileprivate func trimmingTrailingBlanks() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
