import Foundation

/// A fail2ban filter by name, as `--filter` and jail configurations write it: `asterisk`,
/// `sshd`, `sshd[mode=aggressive]`, `recidive`, `recidive[_jailname=myjail]`.
public enum FilterSpec: Equatable, Hashable, Sendable, CustomStringConvertible {
    case asterisk
    case sshd(SSHDFilter.Mode)
    case recidive(jailName: String)

    /// Parses `NAME` or `NAME[key=value, …]`; throws a message naming what is wrong.
    public init(parsing text: String) throws(FilterSpecError) {
        var name = Substring(text.trimmingCharacters(in: .whitespaces))
        var options: [String: String] = [:]
        if let open = name.firstIndex(of: "[") {
            guard name.hasSuffix("]") else { throw FilterSpecError(text: text, reason: "missing ']'") }
            let inner = name[name.index(after: open)..<name.index(before: name.endIndex)]
            for part in inner.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1)
                guard pair.count == 2 else {
                    throw FilterSpecError(text: text, reason: "option '\(part)' is not key=value")
                }
                let value = pair[1].trimmingCharacters(in: .whitespaces)
                options[pair[0].trimmingCharacters(in: .whitespaces)] = value.trimmingCharacters(
                    in: CharacterSet(charactersIn: "\"'"))
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
            let modeText = options.removeValue(forKey: "mode") ?? "normal"
            guard let mode = SSHDFilter.Mode(rawValue: modeText) else {
                throw FilterSpecError(
                    text: text,
                    reason: "unknown sshd mode '\(modeText)' (normal, ddos, extra, aggressive)")
            }
            guard options.isEmpty else {
                throw FilterSpecError(text: text, reason: "unsupported option(s) \(options.keys.sorted())")
            }
            self = .sshd(mode)
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

    public var description: String {
        switch self {
        case .asterisk: return "asterisk"
        case .sshd(let mode): return mode == .normal ? "sshd" : "sshd[mode=\(mode.rawValue)]"
        case .recidive(let jailName): return jailName == "recidive" ? "recidive" : "recidive[_jailname=\(jailName)]"
        }
    }
}

public struct FilterSpecError: Error, CustomStringConvertible, Equatable {
    public var text: String
    public var reason: String
    public var description: String { "invalid filter '\(text)': \(reason)" }
}

/// One of jailbird's filters, without an existential on the per-line path.
enum AnyLineFilter {
    case asterisk(AsteriskFilter)
    case sshd(SSHDFilter)
    case fail2ban(Fail2banLogFilter)

    init(_ spec: FilterSpec) {
        switch spec {
        case .asterisk: self = .asterisk(AsteriskFilter())
        case .sshd(let mode): self = .sshd(SSHDFilter(mode: mode))
        case .recidive(let jailName): self = .fail2ban(Fail2banLogFilter(mode: .recidive(jailName: jailName)))
        }
    }

    var service: Service {
        switch self {
        case .asterisk: return .asterisk
        case .sshd: return .sshd
        case .fail2ban: return .fail2ban
        }
    }

    /// recidive.conf and fail2ban.log use `datepattern = ^{DATE}`: the stamp must open the line.
    var anchorsDateAtLineStart: Bool {
        if case .fail2ban = self { return true }
        return false
    }

    @inline(__always)
    func isCandidate(_ line: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .asterisk(let filter): return filter.isCandidate(line)
        case .sshd(let filter): return filter.isCandidate(line)
        case .fail2ban(let filter): return filter.isCandidate(line)
        }
    }

    mutating func process(_ line: CandidateLine) -> LineMatch? {
        switch self {
        case .asterisk(var filter):
            defer { self = .asterisk(filter) }
            return filter.process(line)
        case .sshd(var filter):
            // Let go of the payload first so its session cache is mutated in place, not copied.
            self = .asterisk(AsteriskFilter())
            defer { self = .sshd(filter) }
            return filter.process(line)
        case .fail2ban(var filter):
            defer { self = .fail2ban(filter) }
            return filter.process(line)
        }
    }
}
