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
        let ip = event.host.address?.description
        var unresolved: String?
        if case .hostname(let name) = event.host { unresolved = name }
        switch self {
        case .ndjson:
            var text = "{\"time\":\"" + rfc3339UTC(event.time) + "\""
            text += ",\"ip\":" + (ip.map { "\"" + $0 + "\"" } ?? "null")
            text += ",\"unresolved_host\":" + (unresolved.map(SafeText.json) ?? "null")
            text += ",\"service\":\"\(event.service)\",\"kind\":\"\(event.kind)\",\"rule\":\"" + event.rule.name + "\""
            text += ",\"user\":" + (event.user.map(SafeText.json) ?? "null")
            text += ",\"jail\":" + (event.jail.map(SafeText.json) ?? "null")
            text += ",\"file\":" + SafeText.json(fileName) + ",\"line\":\(event.line)}\n"
            return text
        case .csv:
            let fields = [
                rfc3339UTC(event.time), ip ?? "", unresolved.map(SafeText.csv) ?? "", event.service.description,
                event.kind.description, event.rule.name, event.user.map(SafeText.csv) ?? "",
                event.jail.map(SafeText.csv) ?? "", SafeText.csv(fileName), String(event.line),
            ]
            return fields.joined(separator: ",") + "\n"
        }
    }
}
