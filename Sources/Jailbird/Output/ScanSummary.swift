#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The human summary of `jailbird scan`, in the spirit of fail2ban-regex's: per file and in
/// total, bytes, lines, events by service, kind and rule, undated lines, time range and speed.
/// Fits 80 columns; log-derived text goes through `SafeText.terminal`.
public struct ScanSummary {
    public var files: [FileScan]
    /// Wall-clock seconds the scan took (measured by the caller; the engine has no clock).
    public var elapsedSeconds: Double

    public init(files: [FileScan], elapsedSeconds: Double) {
        self.files = files
        self.elapsedSeconds = elapsedSeconds
    }

    /// Event counts by (service, kind, rule), in a stable order.
    public var ruleCounts: [(service: Service, kind: EventKind, rule: Rule, count: Int)] {
        total.ruleCounts.map { ($0.service, $0.kind, $0.rule, $0.count) }
    }

    /// The counts of all files together.
    public var total: ScanTally {
        var total = ScanTally()
        for file in files { total.merge(file.tally) }
        return total
    }

    public func render() -> String {
        let totalBytes = files.reduce(0) { $0 + $1.bytes }
        let totalLines = files.reduce(0) { $0 + $1.lines }
        let total = self.total
        let totalEvents = total.events
        var out = ""
        let rate = elapsedSeconds > 0 ? Double(totalBytes) / elapsedSeconds : 0
        out += "Scanned \(files.count) input\(files.count == 1 ? "" : "s"): \(Format.bytes(totalBytes)), "
        out += "\(Format.count(totalLines)) lines in \(Format.seconds(elapsedSeconds)) (\(Format.bytes(Int(rate)))/s)\n\n"

        out += Format.row(["Input", "Bytes", "Lines", "Events", "Undated"], widths: [-38, 10, 11, 9, 8]) + "\n"
        for file in files {
            let name = Format.truncateLeft(SafeText.terminal(file.source.displayName), to: 38)
            out += Format.row(
                [name, Format.bytes(file.bytes), Format.count(file.lines), Format.count(file.tally.events),
                 Format.count(file.undatedMatches)], widths: [-38, 10, 11, 9, 8]) + "\n"
        }
        out += "\n"
        let counts = total.ruleCounts
        if counts.isEmpty {
            out += "No events.\n"
        } else {
            out += Format.row(["Service", "Kind", "Rule", "Events"], widths: [-9, -12, -44, 11]) + "\n"
            for entry in counts {
                out += Format.row(
                    [entry.service.description, entry.kind.description, entry.rule.name, Format.count(entry.count)],
                    widths: [-9, -12, -44, 11]) + "\n"
            }
            out += Format.row(["", "", "total", Format.count(totalEvents)], widths: [-9, -12, -44, 11]) + "\n"
        }
        let failures = total.failures
        let unresolved = total.unresolved
        out += "\nFailures: \(Format.count(failures)) from \(Format.count(total.failingAddressCount)) addresses\n"
        if let firstTime = total.firstTime, let lastTime = total.lastTime {
            out += "Time range: \(rfc3339UTC(firstTime)) .. \(rfc3339UTC(lastTime))\n"
        }
        if unresolved > 0 {
            out += "Host names instead of addresses (not looked up): \(Format.count(unresolved)) events\n"
        }
        let undated = files.reduce(0) { $0 + $1.undatedMatches }
        if undated > 0 {
            let dropped = files.reduce(0) { $0 + $1.droppedUndated }
            out += "Matched lines without a readable time stamp: \(Format.count(undated))"
            out += dropped > 0 ? " (\(Format.count(dropped)) dropped: no earlier time in the file)\n" : " (given the previous line's time)\n"
        }
        let unreadSSHD = files.reduce(0) { $0 + $1.unreadNewerSSHDLines }
        if unreadSSHD > 0 {
            out += "Lines of sshd-session or sshd-auth the sshd filter does not read: \(Format.count(unreadSSHD))"
            out += " (see standard error)\n"
        }
        let outside = files.reduce(0) { $0 + $1.outsideWindow }
        if outside > 0 { out += "Matched lines outside --since/--until: \(Format.count(outside))\n" }
        let problems = files.reduce(0) { $0 + $1.problems.count }
        if problems > 0 { out += "Input problems: \(problems) (reported on standard error)\n" }
        return out
    }
}

/// Number and table formatting for human output.
public enum Format {
    /// 1234567 → "1,234,567"
    public static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// Bytes in B, kB, MB, GB (powers of 1000, one decimal).
    public static func bytes(_ value: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB"]
        var amount = Double(value)
        var unit = 0
        while amount >= 1000 && unit < units.count - 1 {
            amount /= 1000
            unit += 1
        }
        return unit == 0 ? "\(value) B" : fixed(amount, decimals: 1) + " " + units[unit]
    }

    public static func seconds(_ value: Double) -> String {
        fixed(value, decimals: value < 10 ? 3 : 1) + " s"
    }

    /// `value` with `decimals` digits after the point, rounded as C's `printf("%.*f")` rounds
    /// (the exact binary value, ties to even): 2.25 → "2.2" with one decimal.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        // A finite Double has at most 309 digits before the point.
        var buffer = [CChar](repeating: 0, count: 320 + max(0, decimals))
        _ = withVaList([Int32(decimals), value]) { vsnprintf(&buffer, buffer.count, "%.*f", $0) }
        return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }

    /// Cells padded to widths: negative = left-aligned, positive = right-aligned.
    public static func row(_ cells: [String], widths: [Int]) -> String {
        var parts: [String] = []
        for (cell, width) in zip(cells, widths) {
            let padding = max(0, abs(width) - cell.count)
            parts.append(width < 0 ? cell + String(repeating: " ", count: padding) : String(repeating: " ", count: padding) + cell)
        }
        var line = parts.joined(separator: " ")
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    /// Keeps the end of `text` (the file name part of a path) within `width` characters.
    public static func truncateLeft(_ text: String, to width: Int) -> String {
        text.count <= width ? text : "…" + text.suffix(width - 1)
    }
}
