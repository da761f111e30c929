// TEMPORARY until the config reader lands.
public struct IgnoreList: Sendable, Equatable {
    public init() {}
    public func contains(_ ip: IPAddress) -> Bool { false }
}
public struct BanTimeIncrement: Sendable, Equatable {
    public var overallJails = false
    public func banTime(base: Int64, banCount: Int, random: Double) -> Double { Double(base) * Double(1 << min(banCount, 20)) }
}
