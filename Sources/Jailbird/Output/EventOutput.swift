/// The public event formats of `jailbird scan --events` (documented in the README): one event
/// per line as NDJSON, or CSV with a header.
///
/// Fields: `time` (RFC 3339 UTC), `ip` (canonical address; null/empty when the line named a host
/// name), `unresolved_host` (that host name, never looked up), `service`, `kind`, `rule`,
/// `user`, `jail`, `file`, `line` (1-based, within the decompressed file).
public enum EventFormat: String, CaseIterable, Sendable {
    case ndjson
    case csv

    public static let csvHeader = "time,ip,unresolved_host,service,kind,rule,user,jail,file,line\n"

    /// One event as a line of this format (with its newline).
    public func line(for event: Event, fileName: String) -> String {
        ByteLine.text { append(event, fileName: fileName, to: &$0) }
    }

    /// `line(for:fileName:)` written onto the end of `bytes`: a writer reuses one line for all
    /// events instead of building Strings for each.
    public func append(_ event: Event, fileName: String, to bytes: inout ByteLine) {
        var unresolved: String?
        if case .hostname(let name) = event.host { unresolved = name }
        @inline(__always) func text(_ literal: StaticString) { bytes.append(literal) }
        switch self {
        case .ndjson:
            // `key` is the field's name with its comma, quotes and colon: `,"ip":`.
            @inline(__always) func field(_ key: StaticString, _ value: String?) {
                text(key)
                if let value { SafeText.appendJSON(value, to: &bytes) } else { text("null") }
            }
            text("{\"time\":\"")
            appendRFC3339UTC(event.time, to: &bytes)
            text("\",\"ip\":")
            if let address = event.host.address {
                // An address is digits, dots, hex letters and colons: nothing to escape.
                bytes.append(UInt8(ascii: "\""))
                address.appendDescription(to: &bytes)
                bytes.append(UInt8(ascii: "\""))
            } else {
                text("null")
            }
            field(",\"unresolved_host\":", unresolved)
            field(",\"service\":", event.service.description)
            field(",\"kind\":", event.kind.description)
            field(",\"rule\":", event.rule.name)
            field(",\"user\":", event.user)
            field(",\"jail\":", event.jail)
            field(",\"file\":", fileName)
            text(",\"line\":")
            appendDecimal(event.line, to: &bytes)
            text("}\n")
        case .csv:
            func field(_ value: String?) {
                bytes.append(UInt8(ascii: ","))
                if let value { SafeText.appendCSV(value, to: &bytes) }
            }
            appendRFC3339UTC(event.time, to: &bytes)
            // An address is digits, dots, hex letters and colons: never quoted, never a formula.
            bytes.append(UInt8(ascii: ","))
            event.host.address?.appendDescription(to: &bytes)
            field(unresolved)
            field(event.service.description)
            field(event.kind.description)
            field(event.rule.name)
            field(event.user)
            field(event.jail)
            field(fileName)
            bytes.append(UInt8(ascii: ","))
            appendDecimal(event.line, to: &bytes)
            bytes.append(UInt8(ascii: "\n"))
        }
    }
}
