/// The incident report as one self-contained HTML file: inline CSS, inline SVG charts, no
/// JavaScript, nothing fetched from the network (a Content-Security-Policy says so to the
/// browser too), readable when printed. Every log-derived string — in text, attributes and SVG
/// alike — goes through `SafeText.html`.
public enum ReportHTML {
    public static func render(_ report: IncidentReport) -> String {
        let title = "Incident report \(rfc3339UTC(report.since)) to \(rfc3339UTC(report.until))"
        var out = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(SafeText.html(title))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>\(SafeText.html(title))</h1>
            <p class="meta">All times UTC. Inputs: \(report.fileNames.isEmpty ? "none" : report.fileNames.map { "<code>\(SafeText.html($0))</code>" }.joined(separator: ", ")).</p>

            """
        if !report.readingNotes.isEmpty {
            out += "<p class=\"meta\">Not everything in the inputs was read:</p>\n<ul class=\"meta\">\n"
            for note in report.readingNotes { out += "<li>\(SafeText.html(note))</li>\n" }
            out += "</ul>\n"
        }
        out += compromiseSection(report)
        out += summarySection(report)
        out += timelineSection(report)
        out += offendersSection(report)
        out += networksSection(report)
        out += usersSection(report)
        out += phasesSection(report)
        out += bansSection(report)
        out +=
            "<footer><p class=\"meta\">Made by jailbird report. Log-derived text (user names, extensions) is shown as written, escaped; it is attacker-controlled.</p></footer>\n"
        out += "</body>\n</html>\n"
        return out
    }

    static let style = """

        :root { color-scheme: light; }
        body { font: 14px/1.45 system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d232a; background: #fff; max-width: 1100px; margin: 1.5em auto; padding: 0 1.5em; }
        h1 { font-size: 1.55em; margin: 0 0 .2em; }
        h2 { font-size: 1.2em; border-bottom: 1px solid #c9ced6; padding-bottom: .2em; margin-top: 1.8em; }
        .meta { color: #55606e; }
        code, .ip { font-family: "DejaVu Sans Mono", ui-monospace, monospace; font-size: .92em; }
        table { border-collapse: collapse; margin: .6em 0; font-size: .9em; }
        th, td { border: 1px solid #d4d8de; padding: .22em .5em; text-align: left; vertical-align: top; }
        th { background: #eef1f5; }
        td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
        .t, .ip { white-space: nowrap; }
        .alert { border: 3px solid #b00020; background: #fff0f1; padding: .6em 1em; margin: 1em 0; }
        .alert h2 { color: #b00020; border: none; margin: .2em 0 .4em; }
        .alert table { background: #fff; }
        .ok { border-left: 4px solid #2e7d32; background: #f1f8f1; padding: .3em .8em; }
        .cards { display: flex; flex-wrap: wrap; gap: .6em; margin: .6em 0; }
        .card { border: 1px solid #d4d8de; border-radius: 6px; padding: .4em .8em; min-width: 9em; }
        .card b { display: block; font-size: 1.35em; }
        .card.bad { border-color: #b00020; color: #b00020; }
        .legend { font-size: .85em; color: #333; }
        .swatch { display: inline-block; width: .9em; height: .9em; vertical-align: -.1em; margin: 0 .3em 0 .9em; }
        svg { max-width: 100%; height: auto; display: block; margin: .4em 0; }
        svg text { font-family: "DejaVu Sans", sans-serif; font-size: 11px; fill: #333; }
        @media print {
          body { max-width: none; margin: 0; padding: 0; font-size: 9.5pt; }
          h2 { break-after: avoid; }
          table, svg, .alert, .cards { break-inside: avoid; }
          * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
        }

        """

    // MARK: Sections

    static func compromiseSection(_ report: IncidentReport) -> String {
        guard !report.compromises.isEmpty else { return "" }
        let count = report.compromises.count
        var out = "<section class=\"alert\" id=\"compromise\">\n"
        out +=
            "<h2>⚠ POSSIBLE COMPROMISE: \(Format.count(count)) IP\(count == 1 ? "" : "s") logged in successfully and also failed in this window</h2>\n"
        out += "<p>Check each login with its owner; change the passwords of these accounts if in doubt.</p>\n"
        out += table(
            [
                "IP", "failures", "users failed", "first failure", "logins", "first login", "logged in as", "services",
                "note",
            ],
            numeric: [1, 2, 4],
            report.compromises.map { entry in
                var notes: [String] = []
                if entry.succeededAfterFailing { notes.append("login after failing") }
                if entry.succeededAsFailedUser { notes.append("same user failed first") }
                return [
                    ip(entry.ip), Format.count(entry.failures), Format.count(entry.failedUsers),
                    time(entry.firstFailure),
                    Format.count(entry.successes), time(entry.firstSuccess), userList(entry.successUsers),
                    entry.services.map(\.description).joined(separator: ", "), notes.joined(separator: "; "),
                ]
            })
        return out + "</section>\n"
    }

    static func summarySection(_ report: IncidentReport) -> String {
        var out = "<section id=\"summary\">\n<h2>Summary</h2>\n<div class=\"cards\">\n"
        func card(_ label: String, _ value: String, bad: Bool = false) {
            out += "<div class=\"card\(bad ? " bad" : "")\"><b>\(value)</b>\(label)</div>\n"
        }
        card("failures", Format.count(report.failures))
        card("attackers (IPs)", Format.count(report.attackers))
        card("networks", Format.count(report.networkCount))
        card("users targeted", Format.count(report.distinctUsers))
        card("successful logins", Format.count(report.successes))
        if report.bans.hasRealLog {
            card("real bans", Format.count(report.bans.realBans + report.bans.realRestoredBans))
        }
        if let simulated = report.bans.simulated { card("simulated bans", Format.count(simulated.bans)) }
        card("possible compromises", Format.count(report.compromises.count), bad: !report.compromises.isEmpty)
        out += "</div>\n"
        var rows: [[String]] = [
            ["IPv4 / IPv6 attackers", "\(Format.count(report.ipv4Attackers)) / \(Format.count(report.ipv6Attackers))"],
            ["First failure", report.firstFailure.map(time) ?? "–"],
            ["Last failure", report.lastFailure.map(time) ?? "–"],
            [
                "Attack phases",
                "\(Format.count(report.scanPhases)) scan, \(Format.count(report.bruteForcePhases)) brute force (\(Format.count(report.scanningAttackers)) attackers scanned)",
            ],
        ]
        if report.unresolvedFailures > 0 {
            rows.append(["Failures naming a host name (not looked up)", Format.count(report.unresolvedFailures)])
        }
        out += table(["", "value"], rows)
        if !report.services.isEmpty {
            out += table(
                ["service", "failures", "attackers", "successful logins"], numeric: [1, 2, 3],
                report.services.map {
                    [
                        $0.service.description, Format.count($0.failures), Format.count($0.attackers),
                        Format.count($0.successes),
                    ]
                })
        }
        if report.compromises.isEmpty {
            out += "<p class=\"ok\">No successful login from an IP that also failed.</p>\n"
        }
        return out + "</section>\n"
    }

    static func timelineSection(_ report: IncidentReport) -> String {
        var out = "<section id=\"timeline\">\n<h2>Timeline: failures per \(report.bucketSize.name)</h2>\n"
        out += timelineChart(report)
        out += "<p class=\"legend\"><span class=\"swatch\" style=\"background:#5b7fa6\"></span>failures"
        out += "<span class=\"swatch\" style=\"background:#c62828\"></span>real bans (fail2ban.log)"
        out += "<span class=\"swatch\" style=\"background:#ef8f00\"></span>simulated bans"
        if report.bans.simulated == nil { out += " (no jails simulated)" }
        if !report.bans.hasRealLog { out += "; no fail2ban.log records in the window" }
        out += "</p>\n"
        if let peak = report.timeline.max(by: { ($0.failures, $1.start) < ($1.failures, $0.start) }), peak.failures > 0
        {
            out +=
                "<p>Peak: \(Format.count(peak.failures)) failures in the \(report.bucketSize.name) from \(time(peak.start)).</p>\n"
        }
        return out + "</section>\n"
    }

    static func offendersSection(_ report: IncidentReport) -> String {
        guard !report.offenders.isEmpty else { return "" }
        var out = "<section id=\"offenders\">\n<h2>Top offenders</h2>\n"
        out += barChart(
            id: "offenders-chart", label: "Failures of the top offenders",
            report.offenders.map { (SafeText.html($0.ip.description), $0.failures) }, color: "#5b7fa6")
        out += table(
            [
                "IP", "failures", "first seen", "last seen", "users tried", "most tried", "real bans", "simulated bans",
                "network",
            ],
            numeric: [1, 4, 6, 7],
            report.offenders.map { row in
                [
                    ip(row.ip), Format.count(row.failures), time(row.firstSeen), time(row.lastSeen),
                    Format.count(row.distinctUsers),
                    row.topUsers.isEmpty
                        ? "–"
                        : row.topUsers.map { "\(user($0.user)) ×\(Format.count($0.count))" }.joined(separator: ", "),
                    Format.count(row.realBans), row.simulatedBans.map(Format.count) ?? "–",
                    SafeText.html(row.network.description),
                ]
            })
        if report.attackers > report.offenders.count {
            out += "<p>…and \(Format.count(report.attackers - report.offenders.count)) more attackers.</p>\n"
        }
        return out + "</section>\n"
    }

    static func networksSection(_ report: IncidentReport) -> String {
        guard !report.networks.isEmpty else { return "" }
        var out = "<section id=\"networks\">\n<h2>Attacker networks (IPv4 /24, IPv6 /64)</h2>\n"
        out += barChart(
            id: "networks-chart", label: "Failures per attacker network",
            report.networks.map { (SafeText.html($0.network.description), $0.failures) }, color: "#7b5ea7")
        out += table(
            ["network", "failures", "attackers", "first seen", "last seen"], numeric: [1, 2],
            report.networks.map {
                [
                    "<span class=\"ip\">\(SafeText.html($0.network.description))</span>", Format.count($0.failures),
                    Format.count($0.attackers), time($0.firstSeen), time($0.lastSeen),
                ]
            })
        if report.networkCount > report.networks.count {
            out += "<p>…and \(Format.count(report.networkCount - report.networks.count)) more networks.</p>\n"
        }
        return out + "</section>\n"
    }

    static func usersSection(_ report: IncidentReport) -> String {
        guard !report.users.isEmpty else { return "" }
        var out = "<section id=\"users\">\n<h2>Users and extensions targeted</h2>\n"
        out += barChart(
            id: "users-chart", label: "Failures per targeted user",
            report.users.map { (SafeText.html(shortened($0.user)), $0.failures) }, color: "#2e7d6b")
        out += table(
            ["user", "failures", "attackers"], numeric: [1, 2],
            report.users.map { [user($0.user), Format.count($0.failures), Format.count($0.attackers)] })
        if report.distinctUsers > report.users.count {
            out += "<p>…and \(Format.count(report.distinctUsers - report.users.count)) more users.</p>\n"
        }
        return out + "</section>\n"
    }

    static func phasesSection(_ report: IncidentReport) -> String {
        guard !report.phases.isEmpty else { return "" }
        let settings = report.settings
        var out = "<section id=\"phases\">\n<h2>Attack phases</h2>\n"
        out +=
            "<p>An attacker's failures form one phase until it pauses more than \(Format.duration(Double(settings.phaseGap))). "
        out += "A phase is a <em>scan</em> when it names at least \(settings.scanMinimumUsers) users with at most "
        out +=
            "\(Format.number(settings.scanMaximumTriesPerUser)) tries each on average, otherwise <em>brute force</em> on its most tried user. "
        out +=
            "\(Format.count(report.scanPhases)) scan and \(Format.count(report.bruteForcePhases)) brute-force phases; the longest:</p>\n"
        out += table(
            ["IP", "phase", "from", "to", "duration", "failures", "users", "most tried"], numeric: [4, 5, 6],
            report.phases.map { phase in
                [
                    ip(phase.ip), phase.kind.rawValue, time(phase.start), time(phase.end),
                    Format.duration(Double(phase.end - phase.start)), Format.count(phase.failures),
                    Format.count(phase.users),
                    phase.topUser.map { "\(user($0)) ×\(Format.count(phase.topUserFailures))" } ?? "–",
                ]
            })
        return out + "</section>\n"
    }

    static func bansSection(_ report: IncidentReport, limit: Int = 20) -> String {
        let bans = report.bans
        var out = "<section id=\"bans\">\n<h2>What fail2ban did and what the configuration would have done</h2>\n"
        if bans.hasRealLog {
            out +=
                "<p>fail2ban.log: \(Format.count(bans.realBans)) bans and \(Format.count(bans.realRestoredBans)) restored bans of \(Format.count(bans.realBannedIPs)) IPs, \(Format.count(bans.realUnbans)) unbans"
            if !bans.realBansByJail.isEmpty {
                out +=
                    " ("
                    + bans.realBansByJail.map { "\(SafeText.html($0.jail)): \(Format.count($0.bans))" }.joined(
                        separator: ", ") + ")"
            }
            out += ".</p>\n"
        } else {
            out +=
                "<p>No fail2ban.log records in the window: give fail2ban.log among the inputs to see what fail2ban really did.</p>\n"
        }
        guard let simulated = bans.simulated else {
            return out
                + "<p>No jails simulated: give <code>--config DIR</code> or <code>--jail NAME</code> to see what the configuration would have done.</p>\n</section>\n"
        }
        out += table(
            ["simulated jail", "maxretry", "findtime", "bantime", "bans in the window"], numeric: [1, 4],
            simulated.jails.map { jail in
                [
                    SafeText.html(jail.name), "\(jail.maxRetry)", Format.duration(jail.findTime),
                    Format.duration(Double(jail.banTime)),
                    Format.count(simulated.bansByJail.first { $0.jail == jail.name }?.bans ?? 0),
                ]
            })
        out += "<p>Simulated: \(Format.count(simulated.bans)) bans of \(Format.count(simulated.bannedIPs)) IPs."
        if bans.hasRealLog {
            let compared = simulated.reproduced + simulated.missed.count
            out +=
                " Of \(Format.count(compared)) real bans of the simulated jails, the simulation reproduced \(Format.count(simulated.reproduced)) and missed \(Format.count(simulated.missed.count)); "
            out += "it added \(Format.count(simulated.added.count)) bans fail2ban did not make."
            if simulated.otherJails > 0 {
                out += " \(Format.count(simulated.otherJails)) real bans belong to jails not simulated."
            }
        }
        out += "</p>\n"
        if bans.hasRealLog && !simulated.missed.isEmpty {
            out += "<h3>Missed: real bans the configuration would not have made</h3>\n<ul>\n"
            for (ban, reason) in simulated.missed.prefix(limit) {
                out +=
                    "<li>[\(SafeText.html(ban.jail))] \(ip(ban.ip)) at \(time(ban.time)): \(SafeText.html(reason))</li>\n"
            }
            if simulated.missed.count > limit {
                out += "<li>…and \(Format.count(simulated.missed.count - limit)) more</li>\n"
            }
            out += "</ul>\n"
        }
        if bans.hasRealLog && !simulated.added.isEmpty {
            out += "<h3>Added: bans the configuration would have made that fail2ban did not</h3>\n<ul>\n"
            for ban in simulated.added.prefix(limit) {
                out +=
                    "<li>[\(SafeText.html(ban.jail))] \(ip(ban.ip)) at \(time(ban.start)): \(SafeText.html(ban.reason))</li>\n"
            }
            if simulated.added.count > limit {
                out += "<li>…and \(Format.count(simulated.added.count - limit)) more</li>\n"
            }
            out += "</ul>\n"
        }
        return out + "</section>\n"
    }

    // MARK: Pieces

    /// A table; `cells` are HTML already (escaped by the caller).
    static func table(_ header: [String], numeric: Set<Int> = [], _ rows: [[String]]) -> String {
        var out = "<table>\n<tr>" + header.map { "<th>\(SafeText.html($0))</th>" }.joined() + "</tr>\n"
        for row in rows {
            out += "<tr>"
            for (column, cell) in row.enumerated() {
                out += numeric.contains(column) ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>"
            }
            out += "</tr>\n"
        }
        return out + "</table>\n"
    }

    static func ip(_ address: IPAddress) -> String { "<span class=\"ip\">\(SafeText.html(address.description))</span>" }

    static func time(_ seconds: Int64) -> String { "<span class=\"t\">\(rfc3339UTC(seconds))</span>" }

    /// A user name as quoted code, escaped.
    static func user(_ name: String) -> String { "<code>\(SafeText.html(name))</code>" }

    static func userList(_ names: [String]) -> String { names.isEmpty ? "–" : names.map(user).joined(separator: ", ") }

    /// Long labels are cut for the charts (the tables keep them whole).
    static func shortened(_ text: String, to length: Int = 28) -> String {
        text.count <= length ? text : String(text.prefix(length - 1)) + "…"
    }

    static func number(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }

    /// Failures per bucket as bars, with a band of markers above them for real (red) and
    /// simulated (orange) bans and a thin line through the bars at each.
    static func timelineChart(_ report: IncidentReport) -> String {
        let width = 1000.0
        let height = 280.0
        let left = 100.0
        let right = 14.0
        let top = 46.0
        let bottom = 44.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let buckets = report.timeline
        let count = max(1, buckets.count)
        let step = plotWidth / Double(count)
        let peak = max(1, report.peakFailures)
        var out =
            "<svg id=\"timeline-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(width)) \(number(height))\" width=\"\(number(width))\" height=\"\(number(height))\" role=\"img\" aria-label=\"Failures per \(report.bucketSize.name) with real and simulated bans\">\n"
        out += "<rect x=\"0\" y=\"0\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"#fff\"/>\n"
        // Horizontal grid with the scale.
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            let value = Int((Double(peak) * fraction).rounded())
            out +=
                "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\" stroke=\"#dde1e6\"/>\n"
            out +=
                "<text x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(Format.count(value))</text>\n"
        }
        out += "<text x=\"\(number(left - 6))\" y=\"18\" text-anchor=\"end\" fill=\"#c62828\">real bans</text>\n"
        out += "<text x=\"\(number(left - 6))\" y=\"34\" text-anchor=\"end\" fill=\"#8a5a00\">simulated bans</text>\n"
        let barWidth = min(40, max(0.5, step * 0.85))
        let marker = min(9.0, max(3.0, step))
        for (position, bucket) in buckets.enumerated() {
            let x = left + Double(position) * step
            let center = x + step / 2
            let label = rfc3339UTC(bucket.start)
            if bucket.failures > 0 {
                let barHeight = max(1, plotHeight * Double(bucket.failures) / Double(peak))
                out +=
                    "<rect class=\"bar\" x=\"\(number(x + (step - barWidth) / 2))\" y=\"\(number(top + plotHeight - barHeight))\" width=\"\(number(barWidth))\" height=\"\(number(barHeight))\" fill=\"#5b7fa6\"><title>\(label): \(Format.count(bucket.failures)) failures</title></rect>\n"
            }
            if bucket.realBans > 0 {
                out +=
                    "<line x1=\"\(number(center))\" y1=\"\(number(top))\" x2=\"\(number(center))\" y2=\"\(number(top + plotHeight))\" stroke=\"#c62828\" stroke-opacity=\"0.35\"/>\n"
                out +=
                    "<path class=\"real-ban\" d=\"M\(number(center - marker / 2)) 10 L\(number(center + marker / 2)) 10 L\(number(center)) \(number(10 + marker)) Z\" fill=\"#c62828\"><title>\(label): \(Format.count(bucket.realBans)) real bans</title></path>\n"
            }
            if bucket.simulatedBans > 0 {
                out +=
                    "<line x1=\"\(number(center))\" y1=\"\(number(top))\" x2=\"\(number(center))\" y2=\"\(number(top + plotHeight))\" stroke=\"#ef8f00\" stroke-opacity=\"0.45\" stroke-dasharray=\"3 3\"/>\n"
                out +=
                    "<circle class=\"simulated-ban\" cx=\"\(number(center))\" cy=\"30\" r=\"\(number(marker / 2))\" fill=\"#ef8f00\"><title>\(label): \(Format.count(bucket.simulatedBans)) simulated bans</title></circle>\n"
            }
        }
        // Axis with about eight labelled ticks.
        let axisY = top + plotHeight
        out +=
            "<line x1=\"\(number(left))\" y1=\"\(number(axisY))\" x2=\"\(number(width - right))\" y2=\"\(number(axisY))\" stroke=\"#555\"/>\n"
        let tickEvery = max(1, Int((Double(count) / 8).rounded(.up)))
        var previousDay = ""
        for position in stride(from: 0, to: buckets.count, by: tickEvery) {
            let x = left + Double(position) * step
            let stamp = rfc3339UTC(buckets[position].start)
            let day = String(stamp.prefix(10))
            let clock = String(stamp.dropFirst(11).prefix(5))
            out +=
                "<line x1=\"\(number(x))\" y1=\"\(number(axisY))\" x2=\"\(number(x))\" y2=\"\(number(axisY + 5))\" stroke=\"#555\"/>\n"
            let text = report.bucketSize == .day ? day : clock
            out += "<text x=\"\(number(x))\" y=\"\(number(axisY + 18))\" text-anchor=\"middle\">\(text)</text>\n"
            if report.bucketSize != .day && day != previousDay {
                out +=
                    "<text x=\"\(number(x))\" y=\"\(number(axisY + 32))\" text-anchor=\"middle\" fill=\"#777\">\(day)</text>\n"
                previousDay = day
            }
        }
        return out + "</svg>\n"
    }

    /// Horizontal bars: `label` (HTML, escaped by the caller) and value per row.
    static func barChart(id: String, label: String, _ rows: [(label: String, value: Int)], color: String) -> String {
        let width = 1000.0
        let labelWidth = 230.0
        let rowHeight = 20.0
        let height = rowHeight * Double(rows.count) + 10
        let peak = Double(max(1, rows.map(\.value).max() ?? 1))
        let barSpace = width - labelWidth - 90
        var out =
            "<svg id=\"\(id)\" class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(number(width)) \(number(height))\" width=\"\(number(width))\" height=\"\(number(height))\" role=\"img\" aria-label=\"\(SafeText.html(label))\">\n"
        for (position, row) in rows.enumerated() {
            let y = 5 + Double(position) * rowHeight
            let barWidth = max(1, barSpace * Double(row.value) / peak)
            out +=
                "<text x=\"\(number(labelWidth - 8))\" y=\"\(number(y + 14))\" text-anchor=\"end\">\(row.label)</text>\n"
            out +=
                "<rect class=\"bar\" x=\"\(number(labelWidth))\" y=\"\(number(y + 3))\" width=\"\(number(barWidth))\" height=\"\(number(rowHeight - 6))\" fill=\"\(color)\"><title>\(row.label): \(Format.count(row.value))</title></rect>\n"
            out +=
                "<text x=\"\(number(labelWidth + barWidth + 6))\" y=\"\(number(y + 14))\">\(Format.count(row.value))</text>\n"
        }
        return out + "</svg>\n"
    }
}
