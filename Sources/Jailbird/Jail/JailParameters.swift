/// The settings of one jail that decide its bans (fail2ban's `maxretry`, `findtime`, `bantime`,
/// `ignoreip`, `bantime.*`). Everything else in a jail's configuration (actions, ports) has no
/// influence on which IPs get banned and when.
public struct JailParameters: Sendable, Equatable {
    public var name: String
    /// The filter the jail applies to its logs.
    public var filter: FilterSpec
    /// Bans when the counter reaches this (fail2ban: `retry >= maxretry`).
    public var maxRetry: Int
    /// The counter's window in seconds (may be fractional).
    public var findTime: Double
    /// Seconds; -1 bans for ever. fail2ban converts it with `int()`.
    public var banTime: Int64
    /// Addresses never counted.
    public var ignore: IgnoreList
    /// `bantime.increment` and its family; nil when increment is off.
    public var increment: BanTimeIncrement?

    public init(
        name: String, filter: FilterSpec, maxRetry: Int = 5, findTime: Double = 600, banTime: Int64 = 600,
        ignore: IgnoreList = IgnoreList(), increment: BanTimeIncrement? = nil
    ) {
        self.name = name
        self.filter = filter
        self.maxRetry = maxRetry
        self.findTime = findTime
        self.banTime = banTime
        self.ignore = ignore
        self.increment = increment
    }

    /// A recidive jail counts the bans of the other jails (its filter reads fail2ban.log).
    public var isRecidive: Bool {
        if case .recidive = filter { return true }
        return false
    }

    /// Whether a `[JAIL] Ban IP` line of `jailName` is a failure for this (recidive) jail: the
    /// stock filter skips the lines of its own `_jailname`.
    func countsBans(of jailName: String) -> Bool {
        if case .recidive(let excluded) = filter { return jailName != excluded }
        return false
    }
}

extension JailParameters {
    /// A configured jail's ban settings; nil when jailbird does not implement its filter.
    public init?(_ settings: JailSettings) {
        guard let filter = settings.filter else { return nil }
        self.init(
            name: settings.name, filter: filter, maxRetry: settings.maxRetry, findTime: settings.findTime,
            banTime: settings.banTime < 0 ? -1 : settings.banTime, ignore: settings.ignore,
            increment: settings.increment)
    }

    /// fail2ban 1.0.2's stock jail.conf settings for a jail named `name` without a configuration
    /// directory: `[DEFAULT]` (maxretry 5, findtime 10m, bantime 10m) with the stock jail's own
    /// lines for `asterisk` (maxretry 10) and `recidive` (findtime 1d, bantime 1w).
    public static func stock(name: String, filter: FilterSpec) -> JailParameters {
        var parameters = JailParameters(name: name, filter: filter, maxRetry: 5, findTime: 600, banTime: 600)
        switch name {
        case "asterisk": parameters.maxRetry = 10
        case "recidive":
            parameters.findTime = 86_400
            parameters.banTime = 604_800
        default: break
        }
        return parameters
    }
}
