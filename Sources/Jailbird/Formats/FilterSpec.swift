
/// A fail2ban filter by name, as `--filter` and jail configurations write it: `asterisk`,
/// `sshd`, `sshd[mode=aggressive]`, `sshd[_daemon="sshd(?:-session|-auth)?"]`, `recidive`,
/// `recidive[_jailname=myjail]`.
public enum FilterSpec: Equatable, Hashable, Sendable, CustomStringConvertible {
    case asterisk
    case sshd(SSHDFilter.Mode, daemon: SSHDDaemonNames = .stock)
    case recidive(jailName: String)

    /// Parses `NAME` or `NAME[key=value, …]`; throws a message naming what is wrong.
    public init(parsing text: String) throws(FilterSpecError) {
        var name = Substring(text.trimmingBlanks())
        var options: [String: String] = [:]
        if let open = name.firstIndex(of: "[") {
            guard name.hasSuffix("]") else { throw FilterSpecError(text: text, reason: "missing ']'") }
            let inner = name[name.index(after: open)..<name.index(before: name.endIndex)]
            for part in inner.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else {
                    throw FilterSpecError(text: text, reason: "option '\(part)' is not key=value")
                }
                let value = pair[1].trimmingBlanks()
                options[pair[0].trimmingBlanks()] = value.trimming { $0 == "\"" || $0 == "'" }
            }
            name = name[..<open]
        }
        switch name {
        case "asterisk":
            guard options.isEmpty else {
                throw FilterSpecError(text: text, reason: "asterisk takes no options here")
            }
            self = .asterisk
        case "sshd":
            self = try FilterSpec.sshd(taking: &options, text: text)
            guard options.isEmpty else {
                throw FilterSpecError(text: text, reason: "unsupported option(s) \(options.keys.sorted())")
            }
        case "recidive":
            let jailName = options.removeValue(forKey: "_jailname") ?? "recidive"
            guard options.isEmpty else {
                throw FilterSpecError(text: text, reason: "unsupported option(s) \(options.keys.sorted())")
            }
            self = .recidive(jailName: jailName)
        default:
            throw FilterSpecError(
                text: text, reason: "unknown filter '\(name)' (jailbird knows asterisk, sshd and recidive)")
        }
    }

    /// The sshd filter that the options `mode` and `_daemon` describe, which it takes out of
    /// `options` (the others are the caller's to judge); `text` names the filter in errors.
    public static func sshd(taking options: inout [String: String], text: String) throws(FilterSpecError) -> FilterSpec {
        let modeText = options.removeValue(forKey: "mode") ?? "normal"
        guard let mode = SSHDFilter.Mode(rawValue: modeText) else {
            throw FilterSpecError(text: text, reason: "unknown sshd mode '\(modeText)' (normal, ddos, extra, aggressive)")
        }
        var daemon = SSHDDaemonNames.stock
        if let daemonText = options.removeValue(forKey: "_daemon") {
            guard let names = SSHDDaemonNames(parsing: daemonText) else {
                throw FilterSpecError(
                    text: text, reason: "jailbird reads _daemon as \(SSHDDaemonNames.readableForms), not '\(daemonText)'")
            }
            daemon = names
        }
        return .sshd(mode, daemon: daemon)
    }

    /// Whether the filter keeps state from line to line: sshd's session cache (the one
    /// multi-line filter), which fail2ban's jail shares among all its files.
    public var keepsSessions: Bool {
        if case .sshd = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .asterisk: return "asterisk"
        case .sshd(let mode, let daemon):
            var options: [String] = []
            if mode != .normal { options.append("mode=\(mode.rawValue)") }
            if daemon != .stock { options.append("_daemon=\"\(daemon.pattern)\"") }
            return options.isEmpty ? "sshd" : "sshd[" + options.joined(separator: ", ") + "]"
        case .recidive(let jailName): return jailName == "recidive" ? "recidive" : "recidive[_jailname=\(jailName)]"
        }
    }
}

public struct FilterSpecError: Error, CustomStringConvertible, Equatable {
    public var text: String
    public var reason: String
    public var description: String { "invalid filter '\(text)': \(reason)" }
}

/// The filters one scan applies, each in a field of its own type, tried in the order of
/// `Service`: asterisk, sshd, fail2ban.log (the standard set's order; a `--filter` scan holds
/// one). Fields rather than an array of enum cases: each per-line call goes straight to its
/// filter, and sshd's session cache is mutated where it lies instead of being moved out of an
/// enum payload and back for every line. The fields are not optionals either: a call on an
/// optional field's filter copied the filter (with a retain of each of its arrays) for every
/// line. Every field holds a filter; `holds` says which of them the set applies.
struct FilterSet {
    var asterisk = AsteriskFilter()
    var sshd = SSHDFilter()
    var fail2ban = Fail2banLogFilter()
    /// Whether the set applies the filter of a service, by `Service.rawValue`.
    private(set) var holds: (Bool, Bool, Bool) = (false, false, false)

    init() {}

    /// The standard set's filters of `services`: asterisk, sshd in normal mode (reading the
    /// process names `sshdDaemon` gives), and the reader of fail2ban.log's records.
    init(standard services: [Service], sshdDaemon: SSHDDaemonNames = .stock) {
        if sshdDaemon != .stock { sshd = SSHDFilter(mode: .normal, daemon: sshdDaemon) }
        for service in services { hold(service) }
    }

    init(_ spec: FilterSpec) {
        switch spec {
        case .asterisk: hold(.asterisk)
        case .sshd(let mode, let daemon):
            sshd = SSHDFilter(mode: mode, daemon: daemon)
            hold(.sshd)
        case .recidive(let jailName):
            fail2ban = Fail2banLogFilter(mode: .recidive(jailName: jailName))
            hold(.fail2ban)
        }
    }

    private mutating func hold(_ service: Service) {
        switch service {
        case .asterisk: holds.0 = true
        case .sshd: holds.1 = true
        case .fail2ban: holds.2 = true
        }
        switch holds {
        case (true, false, false): single = .asterisk
        case (false, true, false): single = .sshd
        case (false, false, true): single = .fail2ban
        default: single = nil
        }
    }

    /// Whether the set applies the filter of `service`.
    @inline(__always)
    func holds(_ service: Service) -> Bool {
        switch service {
        case .asterisk: return holds.0
        case .sshd: return holds.1
        case .fail2ban: return holds.2
        }
    }

    /// The service of the set's one filter, when it holds exactly one.
    private(set) var single: Service?

    /// True when the set holds the asterisk filter and no other.
    var holdsAsteriskAlone: Bool { holds == (true, false, false) }

    /// recidive.conf and fail2ban.log use `datepattern = ^{DATE}`: the stamp must open the line.
    static func anchorsDateAtLineStart(_ service: Service) -> Bool { service == .fail2ban }

    /// Whether the set holds the filter of `service` and its candidate test passes.
    @inline(__always)
    func isCandidate(_ line: UnsafeRawBufferPointer, for service: Service) -> Bool {
        guard holds(service) else { return false }
        switch service {
        case .asterisk: return asterisk.isCandidate(line)
        case .sshd: return sshd.isCandidate(line)
        case .fail2ban: return fail2ban.isCandidate(line)
        }
    }

    /// The match of the filter of `service`, which the set must hold.
    mutating func process(_ line: CandidateLine, for service: Service) -> LineMatch? {
        switch service {
        case .asterisk: return asterisk.process(line)
        case .sshd: return sshd.process(line)
        case .fail2ban: return fail2ban.process(line)
        }
    }
}
