
/// A `bantime.formula`: a Python expression over `ban.Time`, `ban.Count` and `banFactor`,
/// checked when read and evaluated without `eval`.
public struct BanTimeFormula: Equatable, Sendable, CustomStringConvertible {
    /// The expression as configured.
    public let source: String
    let expression: PythonExpression

    /// fail2ban's default: `ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor`.
    public static let standard = try! BanTimeFormula(
        parsing: "ban.Time * (1<<(ban.Count if ban.Count<20 else 20)) * banFactor")

    /// Parses `source`; it may use `ban.Time`, `ban.Count`, `banFactor`, arithmetic and the
    /// functions listed on `PythonExpression`.
    public init(parsing source: String) throws(ConfigError) {
        self.source = source
        do {
            expression = try PythonExpression(parsing: source, names: ["ban.Time", "ban.Count", "banFactor"])
        } catch {
            throw ConfigError(file: "", line: 0, key: "", message: "invalid formula '\(source)': \(error.message)")
        }
    }

    public var description: String { source }

    func evaluate(banTime: Int64, banCount: Int, factor: PythonNumber) throws(ExpressionError) -> PythonNumber {
        try expression.evaluate(["ban.Time": .int(banTime), "ban.Count": .int(Int64(banCount)), "banFactor": factor])
    }
}

/// The `bantime.*` settings of a jail with `bantime.increment = true`, and the ban time they
/// give a repeated offender.
public struct BanTimeIncrement: Equatable, Sendable {
    /// `bantime.factor` (default 1), a Python expression evaluated once when read. A whole
    /// number is kept as a Python int, as `eval("2")` gives one.
    public var factor: Double {
        get { factorValue.double }
        set { factorValue = Int64(exactly: newValue).map { .int($0) } ?? .float(newValue) }
    }
    /// `bantime.formula`; nil means fail2ban's default (`BanTimeFormula.standard`).
    public var formula: BanTimeFormula?
    /// `bantime.multipliers` (integers, as fail2ban reads them); when set they replace the formula.
    public var multipliers: [Int64]?
    /// `bantime.maxtime` in seconds: the increased ban time never exceeds it.
    public var maxTime: Double?
    /// `bantime.rndtime` in seconds: up to this much random time is added.
    public var rndTime: Double?
    /// `bantime.overalljails`: earlier bans in every jail count, not only in this one.
    public var overallJails: Bool
    /// The factor with Python's int/float distinction, which the formula may observe.
    var factorValue: PythonNumber

    init(
        factor: PythonNumber, formula: BanTimeFormula?, multipliers: [Int64]?, maxTime: Double?, rndTime: Double?,
        overallJails: Bool
    ) {
        self.factorValue = factor
        self.formula = formula
        self.multipliers = multipliers
        self.maxTime = maxTime
        self.rndTime = rndTime
        self.overallJails = overallJails
    }

    /// The default settings (`bantime.increment = true` and nothing else).
    public init() {
        self.init(factor: .int(1), formula: nil, multipliers: nil, maxTime: nil, rndTime: nil, overallJails: false)
    }

    /// The ban time in seconds of a new ban of an IP whose latest recorded ban has ban count
    /// `banCount` (fail2ban's `ObserverThread.incrBanTime` with `Jail.setBanTimeExtra`'s lambda):
    /// - `banCount <= 0`: `base` unchanged;
    /// - with multipliers `m`: `base · factor · m[min(banCount, m.count − 1)]`;
    /// - else `max(base, formula)`, by default `base · 2^min(banCount, 20) · factor`;
    /// - then at most `maxTime`, then plus `random · rndTime` (`random` in 0..<1, the value
    ///   Python's `random.random()` would give).
    ///
    /// fail2ban applies this only to jails whose `bantime` is positive (a permanent ban stays
    /// permanent); that choice is the caller's. Like fail2ban the result may be fractional. If the formula fails (say, divides by zero)
    /// fail2ban logs the error and keeps `base`; so does this.
    public func banTime(base: Int64, banCount: Int, random: Double) -> Double {
        guard banCount > 0 else { return Double(base) }
        do {
            var value: PythonNumber
            if let multipliers, !multipliers.isEmpty {
                let multiplier = multipliers[banCount < multipliers.count ? banCount : multipliers.count - 1]
                value = try PythonExpression.binary(
                    "*", .binary("*", .number(.int(base)), .number(factorValue)), .number(.int(multiplier))
                ).evaluate([:])
            } else {
                let computed = try (formula ?? .standard).evaluate(
                    banTime: base, banCount: banCount, factor: factorValue)
                // Python's max(ban.Time, x) keeps the first of equal values.
                value = computed.double > Double(base) ? computed : .int(base)
            }
            if let maxTime, value.double > maxTime { value = .float(maxTime) }
            var result = value.double
            if let rndTime { result += random * rndTime }
            return result
        } catch {
            return Double(base)
        }
    }
}
