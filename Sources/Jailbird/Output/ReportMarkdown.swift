/// The incident report as Markdown (CommonMark with GitHub tables) for a ticket. Every
/// log-derived string (user names, extensions, file names, jail names) goes through
/// `SafeText.markdown`; addresses and numbers are jailbird's own canonical text.
public enum ReportMarkdown {
    /// The report. The timeline lists the buckets with activity; past `timelineRows` of them,
    /// only the busiest are kept (in time order) and the rest are counted.
    public static func render(_ report: IncidentReport, timelineRows: Int = 48) -> String {
        var out = "# Incident report: \(rfc3339UTC(report.since)) to \(rfc3339UTC(report.until))\n\n"
        out += "All times UTC. Inputs: "
        out +=
            report.fileNames.isEmpty ? "none" : report.fileNames.map { SafeText.markdown($0) }.joined(separator: ", ")
        out += ".\n\n"
        if !report.readingNotes.isEmpty {
            out += "**Not everything in the inputs was read:**\n\n"
            for note in report.readingNotes { out += "- " + SafeText.markdown(note) + "\n" }
            out += "\n"
        }
        out += compromiseSection(report)
        out += summarySection(report)
        out += servicesSection(report)
        out += timelineSection(report, rows: timelineRows)
        out += offendersSection(report)
        out += networksSection(report)
        out += usersSection(report)
        out += phasesSection(report)
        out += bansSection(report)
        return out
    }

    static func table(_ header: [String], alignRight: Set<Int> = [], _ rows: [[String]], indent: String = "") -> String
    {
        var out = indent + "| " + header.joined(separator: " | ") + " |\n"
        out += indent + "|" + header.indices.map { alignRight.contains($0) ? " ---: |" : " --- |" }.joined() + "\n"
        for row in rows { out += indent + "| " + row.joined(separator: " | ") + " |\n" }
        return out
    }

    static func users(_ list: [String]) -> String {
        list.isEmpty ? "–" : list.map { "\"" + SafeText.markdown($0) + "\"" }.joined(separator: ", ")
    }

    static func compromiseSection(_ report: IncidentReport) -> String {
        guard !report.compromises.isEmpty else { return "" }
        let count = report.compromises.count
        var out =
            "> **⚠ POSSIBLE COMPROMISE: \(Format.count(count)) IP\(count == 1 ? "" : "s") logged in successfully and also failed in this window.**"
        out += " Check each login with its owner; change the passwords of these accounts if in doubt.\n>\n"
        out += table(
            [
                "IP", "failures", "users failed", "first failure", "logins", "first login", "logged in as", "services",
                "note",
            ],
            alignRight: [1, 2, 4],
            report.compromises.map { entry in
                var notes: [String] = []
                if entry.succeededAfterFailing { notes.append("login after failing") }
                if entry.succeededAsFailedUser { notes.append("same user failed first") }
                return [
                    "\(entry.ip)", Format.count(entry.failures), Format.count(entry.failedUsers),
                    rfc3339UTC(entry.firstFailure),
                    Format.count(entry.successes), rfc3339UTC(entry.firstSuccess), users(entry.successUsers),
                    entry.services.map(\.description).joined(separator: ", "), notes.joined(separator: "; "),
                ]
            }, indent: "> ")
        return out + "\n"
    }

    static func summarySection(_ report: IncidentReport) -> String {
        var rows: [[String]] = [
            ["Failures", Format.count(report.failures)],
            [
                "Distinct attackers (IPs)",
                "\(Format.count(report.attackers)) (IPv4 \(Format.count(report.ipv4Attackers)), IPv6 \(Format.count(report.ipv6Attackers)))",
            ],
        ]
        if report.unresolvedFailures > 0 {
            rows.append(["Failures naming a host name (not looked up)", Format.count(report.unresolvedFailures)])
        }
        rows.append(["Successful logins", Format.count(report.successes)])
        rows.append(["First failure", report.firstFailure.map(rfc3339UTC) ?? "–"])
        rows.append(["Last failure", report.lastFailure.map(rfc3339UTC) ?? "–"])
        rows.append(["Users / extensions targeted", Format.count(report.distinctUsers)])
        rows.append(["Attacker networks (/24, /64)", Format.count(report.networkCount)])
        rows.append([
            "Attack phases",
            "\(Format.count(report.scanPhases)) scan, \(Format.count(report.bruteForcePhases)) brute force (\(Format.count(report.scanningAttackers)) attackers scanned)",
        ])
        let bans = report.bans
        if bans.hasRealLog {
            rows.append([
                "Real bans (fail2ban.log)",
                "\(Format.count(bans.realBans)) + \(Format.count(bans.realRestoredBans)) restored, \(Format.count(bans.realBannedIPs)) IPs; \(Format.count(bans.realUnbans)) unbans",
            ])
        } else {
            rows.append(["Real bans (fail2ban.log)", "no fail2ban.log records in the window"])
        }
        if let simulated = bans.simulated {
            rows.append(["Simulated bans", "\(Format.count(simulated.bans)), \(Format.count(simulated.bannedIPs)) IPs"])
        } else {
            rows.append(["Simulated bans", "no jails simulated (give --config or --jail)"])
        }
        rows.append([
            "Possible compromises",
            report.compromises.isEmpty
                ? "none: no successful login from an IP that also failed"
                : "**\(Format.count(report.compromises.count))** (see above)",
        ])
        return "## Summary\n\n" + table(["", "value"], rows) + "\n"
    }

    static func servicesSection(_ report: IncidentReport) -> String {
        guard !report.services.isEmpty else { return "" }
        return "## Services\n\n"
            + table(
                ["service", "failures", "attackers", "successful logins"], alignRight: [1, 2, 3],
                report.services.map {
                    [
                        $0.service.description, Format.count($0.failures), Format.count($0.attackers),
                        Format.count($0.successes),
                    ]
                }) + "\n"
    }

    static func timelineSection(_ report: IncidentReport, rows limit: Int) -> String {
        var out = "## Timeline (per \(report.bucketSize.name))\n\n"
        let active = report.timeline.filter { $0.failures > 0 || $0.realBans > 0 || $0.simulatedBans > 0 }
        guard let peak = report.timeline.max(by: { ($0.failures, $1.start) < ($1.failures, $0.start) }), !active.isEmpty
        else { return out + "No failures and no bans in the window.\n\n" }
        out +=
            "Peak: \(Format.count(peak.failures)) failures in the \(report.bucketSize.name) from \(rfc3339UTC(peak.start)). "
        out +=
            "\(Format.count(active.count)) of \(Format.count(report.timeline.count)) \(report.bucketSize.name)s had activity.\n\n"
        var shown = active
        if active.count > limit {
            let busiest = Set(
                active.sorted {
                    ($1.failures + $1.realBans + $1.simulatedBans, $0.start) < (
                        $0.failures + $0.realBans + $0.simulatedBans, $1.start
                    )
                }
                .prefix(limit).map(\.start))
            shown = active.filter { busiest.contains($0.start) }
        }
        out += table(
            ["\(report.bucketSize.name) from", "failures", "real bans", "simulated bans"], alignRight: [1, 2, 3],
            shown.map {
                [
                    rfc3339UTC($0.start), Format.count($0.failures), Format.count($0.realBans),
                    report.bans.simulated == nil ? "–" : Format.count($0.simulatedBans),
                ]
            })
        if shown.count < active.count {
            out +=
                "\n\(Format.count(active.count - shown.count)) quieter \(report.bucketSize.name)s with activity are left out (the HTML report charts them all).\n"
        }
        return out + "\n"
    }

    static func offendersSection(_ report: IncidentReport) -> String {
        guard !report.offenders.isEmpty else { return "" }
        var out = "## Top offenders\n\n"
        out += table(
            [
                "IP", "failures", "first seen", "last seen", "users tried", "most tried", "real bans", "simulated bans",
                "network",
            ],
            alignRight: [1, 4, 6, 7],
            report.offenders.map { row in
                [
                    "\(row.ip)", Format.count(row.failures), rfc3339UTC(row.firstSeen), rfc3339UTC(row.lastSeen),
                    Format.count(row.distinctUsers),
                    row.topUsers.isEmpty
                        ? "–"
                        : row.topUsers.map { "\"\(SafeText.markdown($0.user))\" ×\(Format.count($0.count))" }.joined(
                            separator: ", "),
                    Format.count(row.realBans), row.simulatedBans.map(Format.count) ?? "–", "\(row.network)",
                ]
            })
        if report.attackers > report.offenders.count {
            out += "\n…and \(Format.count(report.attackers - report.offenders.count)) more attackers.\n"
        }
        return out + "\n"
    }

    static func networksSection(_ report: IncidentReport) -> String {
        guard !report.networks.isEmpty else { return "" }
        var out = "## Attacker networks (IPv4 /24, IPv6 /64)\n\n"
        out += table(
            ["network", "failures", "attackers", "first seen", "last seen"], alignRight: [1, 2],
            report.networks.map {
                [
                    "\($0.network)", Format.count($0.failures), Format.count($0.attackers), rfc3339UTC($0.firstSeen),
                    rfc3339UTC($0.lastSeen),
                ]
            })
        if report.networkCount > report.networks.count {
            out += "\n…and \(Format.count(report.networkCount - report.networks.count)) more networks.\n"
        }
        return out + "\n"
    }

    static func usersSection(_ report: IncidentReport) -> String {
        guard !report.users.isEmpty else { return "" }
        var out = "## Users and extensions targeted\n\n"
        out += table(
            ["user", "failures", "attackers"], alignRight: [1, 2],
            report.users.map {
                ["\"\(SafeText.markdown($0.user))\"", Format.count($0.failures), Format.count($0.attackers)]
            })
        if report.distinctUsers > report.users.count {
            out += "\n…and \(Format.count(report.distinctUsers - report.users.count)) more users.\n"
        }
        return out + "\n"
    }

    static func phasesSection(_ report: IncidentReport) -> String {
        guard !report.phases.isEmpty else { return "" }
        let settings = report.settings
        var out = "## Attack phases\n\n"
        out +=
            "An attacker's failures form one phase until it pauses more than \(Format.duration(Double(settings.phaseGap))). "
        out += "A phase is a *scan* when it names at least \(settings.scanMinimumUsers) users with at most "
        out +=
            "\(Format.number(settings.scanMaximumTriesPerUser)) tries each on average, otherwise *brute force* on its most tried user. "
        out +=
            "\(Format.count(report.scanPhases)) scan and \(Format.count(report.bruteForcePhases)) brute-force phases; the longest:\n\n"
        out += table(
            ["IP", "phase", "from", "to", "duration", "failures", "users", "most tried"], alignRight: [4, 5, 6],
            report.phases.map { phase in
                [
                    "\(phase.ip)", phase.kind.rawValue, rfc3339UTC(phase.start), rfc3339UTC(phase.end),
                    Format.duration(Double(phase.end - phase.start)), Format.count(phase.failures),
                    Format.count(phase.users),
                    phase.topUser.map { "\"\(SafeText.markdown($0))\" ×\(Format.count(phase.topUserFailures))" } ?? "–",
                ]
            })
        return out + "\n"
    }

    static func bansSection(_ report: IncidentReport, limit: Int = 20) -> String {
        let bans = report.bans
        var out = "## What fail2ban did and what the configuration would have done\n\n"
        if bans.hasRealLog {
            out +=
                "fail2ban.log: \(Format.count(bans.realBans)) bans and \(Format.count(bans.realRestoredBans)) restored bans of \(Format.count(bans.realBannedIPs)) IPs, \(Format.count(bans.realUnbans)) unbans"
            if !bans.realBansByJail.isEmpty {
                out +=
                    " ("
                    + bans.realBansByJail.map { "\(SafeText.markdown($0.jail)): \(Format.count($0.bans))" }.joined(
                        separator: ", ") + ")"
            }
            out += ".\n\n"
        } else {
            out +=
                "No fail2ban.log records in the window: give fail2ban.log among the inputs to see what fail2ban really did.\n\n"
        }
        guard let simulated = bans.simulated else {
            return out
                + "No jails simulated: give --config DIR or --jail NAME to see what the configuration would have done.\n\n"
        }
        out += "Simulated jails:\n\n"
        out += table(
            ["jail", "maxretry", "findtime", "bantime", "bans in the window"], alignRight: [1, 4],
            simulated.jails.map { jail in
                [
                    SafeText.markdown(jail.name), "\(jail.maxRetry)", Format.duration(jail.findTime),
                    Format.duration(Double(jail.banTime)),
                    Format.count(simulated.bansByJail.first { $0.jail == jail.name }?.bans ?? 0),
                ]
            })
        out += "\nSimulated: \(Format.count(simulated.bans)) bans of \(Format.count(simulated.bannedIPs)) IPs.\n"
        if bans.hasRealLog {
            let compared = simulated.reproduced + simulated.missed.count
            out +=
                "Of \(Format.count(compared)) real bans of the simulated jails, the simulation reproduced \(Format.count(simulated.reproduced)) and missed \(Format.count(simulated.missed.count)); "
            out += "it added \(Format.count(simulated.added.count)) bans fail2ban did not make."
            if simulated.otherJails > 0 {
                out += " \(Format.count(simulated.otherJails)) real bans belong to jails not simulated."
            }
            out += "\n"
            if !simulated.missed.isEmpty {
                out += "\nMissed (real bans the configuration would not have made):\n\n"
                for (ban, reason) in simulated.missed.prefix(limit) {
                    out +=
                        "- \\[\(SafeText.markdown(ban.jail))\\] \(ban.ip) at \(rfc3339UTC(ban.time)): \(SafeText.markdown(reason))\n"
                }
                if simulated.missed.count > limit {
                    out += "- …and \(Format.count(simulated.missed.count - limit)) more\n"
                }
            }
            if !simulated.added.isEmpty {
                out += "\nAdded (bans the configuration would have made that fail2ban did not):\n\n"
                for ban in simulated.added.prefix(limit) {
                    out +=
                        "- \\[\(SafeText.markdown(ban.jail))\\] \(ban.ip) at \(rfc3339UTC(ban.start)): \(SafeText.markdown(ban.reason))\n"
                }
                if simulated.added.count > limit {
                    out += "- …and \(Format.count(simulated.added.count - limit)) more\n"
                }
            }
        }
        return out + "\n"
    }
}
