/// The service whose log a line came from.
public enum Service: UInt8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    case asterisk
    case sshd
    case fail2ban

    public var description: String {
        switch self {
        case .asterisk: return "asterisk"
        case .sshd: return "sshd"
        case .fail2ban: return "fail2ban"
        }
    }

    public static func < (lhs: Service, rhs: Service) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What an event records. The raw names are the `kind` field of the public NDJSON/CSV output.
public enum EventKind: UInt8, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// An authentication failure as the service's fail2ban filter counts it.
    case failure
    /// A successful login (sshd `Accepted …`, Asterisk `SecurityEvent="SuccessfulAuth"`).
    case success
    /// fail2ban.log: `[jail] Found IP`.
    case found
    /// fail2ban.log: `[jail] Ban IP`.
    case ban
    /// fail2ban.log: `[jail] Unban IP`.
    case unban
    /// fail2ban.log: `[jail] Restore Ban IP`.
    case restoreBan

    public var description: String {
        switch self {
        case .failure: return "failure"
        case .success: return "success"
        case .found: return "found"
        case .ban: return "ban"
        case .unban: return "unban"
        case .restoreBan: return "restore-ban"
        }
    }

    public static func < (lhs: EventKind, rhs: EventKind) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The host a line names: an address, or a host name that fail2ban would have had to look up
/// in DNS (jailbird never does; such events are reported as unresolved).
public enum EventHost: Hashable, Sendable, CustomStringConvertible {
    case address(IPAddress)
    case hostname(String)

    public var address: IPAddress? {
        if case .address(let address) = self { return address }
        return nil
    }

    public var description: String {
        switch self {
        case .address(let address): return address.description
        case .hostname(let name): return name
        }
    }
}

/// What a filter reports for one line that matched. Built only for matched lines, so it may
/// hold Strings.
public struct LineMatch: Sendable, Equatable {
    public var kind: EventKind
    /// The filter rule that matched.
    public var rule: Rule
    public var host: EventHost
    /// The user name or extension the line names, if any (attacker-controlled text).
    public var user: String?
    /// fail2ban.log records: the jail in brackets.
    public var jail: String?

    public init(kind: EventKind, rule: Rule, host: EventHost, user: String? = nil, jail: String? = nil) {
        self.kind = kind
        self.rule = rule
        self.host = host
        self.user = user
        self.jail = jail
    }
}

/// One authentication event, with its provenance.
public struct Event: Sendable, Equatable {
    /// Seconds since the Unix epoch, UTC, whole seconds (fail2ban drops fractions too).
    public var time: Int64
    public var host: EventHost
    public var service: Service
    public var kind: EventKind
    public var rule: Rule
    public var user: String?
    public var jail: String?
    /// Index of the input file in the scan's file list.
    public var file: Int
    /// 1-based line number within the (decompressed) file.
    public var line: Int

    public init(
        time: Int64, host: EventHost, service: Service, kind: EventKind, rule: Rule,
        user: String? = nil, jail: String? = nil, file: Int, line: Int
    ) {
        self.time = time
        self.host = host
        self.service = service
        self.kind = kind
        self.rule = rule
        self.user = user
        self.jail = jail
        self.file = file
        self.line = line
    }
}
