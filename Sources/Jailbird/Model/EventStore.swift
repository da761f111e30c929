/// Events as columns: parallel arrays of small values, with hosts, users and jails interned once.
/// About 29 bytes an event, so ten million events fit in well under 1 GB, and analyses work on
/// integers (host ids) instead of strings.
///
/// Invariant: every column has `count` entries. Host ids index `hosts`; user and jail ids are
/// 0 for "none", else 1 + an index into `users` / `jails`. Files are indexes into the scan's
/// input list.
public struct EventStore: Sendable {
    public private(set) var times: [Int64] = []
    public private(set) var hostIDs: [UInt32] = []
    public private(set) var services: [Service] = []
    public private(set) var kinds: [EventKind] = []
    public private(set) var rules: [Rule] = []
    public private(set) var userIDs: [UInt32] = []
    public private(set) var jailIDs: [UInt32] = []
    public private(set) var files: [UInt32] = []
    public private(set) var lines: [UInt32] = []

    /// The distinct hosts, by id.
    public private(set) var hosts: [EventHost] = []
    /// The distinct user names, by id − 1.
    public var users: [String] { userTable.strings }
    /// The distinct jail names, by id − 1.
    public var jails: [String] { jailTable.strings }

    private var addressIndex = AddressTable()
    private var hostnameIndex: [String: UInt32] = [:]
    private var userTable = StringTable()
    private var jailTable = StringTable()
    /// The last host appended: consecutive events often share it, which saves a hash lookup.
    private var lastHost: (host: EventHost, id: UInt32)?

    public init() {}


    /// The event at `index`, with its strings.
    /// - Complexity: O(1).
    public subscript(index: Int) -> Event {
        Event(
            time: times[index], host: hosts[Int(hostIDs[index])], service: services[index], kind: kinds[index],
            rule: rules[index], user: user(at: index), jail: jail(at: index), file: Int(files[index]),
            line: Int(lines[index]))
    }

    public func host(at index: Int) -> EventHost { hosts[Int(hostIDs[index])] }

    public func user(at index: Int) -> String? {
        let id = userIDs[index]
        return id == 0 ? nil : users[Int(id - 1)]
    }

    public func jail(at index: Int) -> String? {
        let id = jailIDs[index]
        return id == 0 ? nil : jails[Int(id - 1)]
    }

    /// Appends one event.
    /// - Complexity: amortised O(1) (a hash lookup per new host, user or jail).
    public mutating func append(_ event: Event) {
        append(
            time: event.time, host: event.host, service: event.service, kind: event.kind, rule: event.rule,
            user: event.user, jail: event.jail, file: event.file, line: event.line)
    }

    public mutating func append(
        time: Int64, host: EventHost, service: Service, kind: EventKind, rule: Rule, user: String?, jail: String?,
        file: Int, line: Int
    ) {
        times.append(time)
        hostIDs.append(internHost(host))
        services.append(service)
        kinds.append(kind)
        rules.append(rule)
        userIDs.append(user.map { userTable.intern($0) } ?? 0)
        jailIDs.append(jail.map { jailTable.intern($0) } ?? 0)
        files.append(UInt32(truncatingIfNeeded: file))
        lines.append(UInt32(truncatingIfNeeded: line))
    }

    /// Appends all events of `other`, re-interning its hosts, users and jails; its line numbers
    /// are shifted by `lineOffset` (the lines of a file's earlier part); `file`, when given,
    /// replaces their input index.
    public mutating func append(contentsOf other: EventStore, lineOffset: Int = 0, file: Int? = nil) {
        reserveCapacity(count + other.count)
        let hostMap = other.hosts.map { internHost($0) }
        let userMap = other.users.map { userTable.intern($0) }
        let jailMap = other.jails.map { jailTable.intern($0) }
        times += other.times
        hostIDs += other.hostIDs.lazy.map { hostMap[Int($0)] }
        services += other.services
        kinds += other.kinds
        rules += other.rules
        userIDs += other.userIDs.lazy.map { $0 == 0 ? 0 : userMap[Int($0 - 1)] }
        jailIDs += other.jailIDs.lazy.map { $0 == 0 ? 0 : jailMap[Int($0 - 1)] }
        if let file {
            files += repeatElement(UInt32(truncatingIfNeeded: file), count: other.count)
        } else {
            files += other.files
        }
        if lineOffset == 0 {
            lines += other.lines
        } else {
            lines += other.lines.lazy.map { $0 &+ UInt32(truncatingIfNeeded: lineOffset) }
        }
    }

    public mutating func reserveCapacity(_ capacity: Int) {
        times.reserveCapacity(capacity)
        hostIDs.reserveCapacity(capacity)
        services.reserveCapacity(capacity)
        kinds.reserveCapacity(capacity)
        rules.reserveCapacity(capacity)
        userIDs.reserveCapacity(capacity)
        jailIDs.reserveCapacity(capacity)
        files.reserveCapacity(capacity)
        lines.reserveCapacity(capacity)
    }

    private mutating func internHost(_ host: EventHost) -> UInt32 {
        if let last = lastHost, last.host == host { return last.id }
        let id: UInt32
        switch host {
        case .address(let address):
            if let known = addressIndex.value(for: address) {
                id = known
            } else {
                id = UInt32(hosts.count)
                hosts.append(host)
                addressIndex.insert(address, id)
            }
        case .hostname(let name):
            if let known = hostnameIndex[name] {
                id = known
            } else {
                id = UInt32(hosts.count)
                hosts.append(host)
                hostnameIndex[name] = id
            }
        }
        lastHost = (host, id)
        return id
    }
}

extension EventStore: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { times.count }
}
