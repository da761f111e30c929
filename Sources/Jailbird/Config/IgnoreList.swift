/// An address block from `ignoreip`, as fail2ban's `IPAddr` (fail2ban/server/ipdns.py) holds it:
/// the address with its host bits cleared and a prefix length in its own family's bits
/// (0...32 for IPv4, 0...128 for IPv6).
///
/// As in fail2ban, families never mix: an IPv4 block matches only IPv4 addresses, and an IPv6
/// block matches no IPv4 address — not even `::ffff:0:0/96`, since fail2ban (and `IPAddress`)
/// treat IPv4-mapped addresses as IPv4.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The first address of the block.
    public let address: IPAddress
    public let prefixLength: Int
    public let isIPv4: Bool

    /// The block of `prefixLength` leading bits of `address` (checked against its family).
    public init?(address: IPAddress, prefixLength: Int) {
        isIPv4 = address.isIPv4
        guard prefixLength >= 0, prefixLength <= (isIPv4 ? 32 : 128) else { return nil }
        self.prefixLength = prefixLength
        self.address = IPNetwork.masked(address, isIPv4 ? prefixLength + 96 : prefixLength)
    }

    private init(raw address: IPAddress, prefixLength: Int, isIPv4: Bool) {
        self.address = address
        self.prefixLength = prefixLength
        self.isIPv4 = isIPv4
    }

    /// Parses `a.b.c.d`, `a.b.c.d/len`, `a.b.c.d/255.255.255.0`, an IPv6 address with an
    /// optional `/len` or mask, or `[v6]`. A single address has the full prefix.
    /// Returns nil for anything else (host names included).
    public init?(parsing text: String) {
        var text = Substring(text)
        if text.count > 2 && text.hasPrefix("[") && text.hasSuffix("]") { text = text.dropFirst().dropLast() }
        var prefix: Int?
        if let slash = text.firstIndex(of: "/") {
            let suffix = text[text.index(after: slash)...]
            if suffix.contains(".") || suffix.contains(":") {
                guard let mask = IPNetwork.strictAddress(String(suffix)), let length = IPNetwork.maskLength(mask)
                else { return nil }
                prefix = length
            } else {
                guard !suffix.isEmpty, suffix.allSatisfy({ $0.isASCII && $0.isNumber }), let length = Int(suffix)
                else { return nil }
                prefix = length
            }
            text = text[..<slash]
        }
        guard let address = IPNetwork.strictAddress(String(text)) else { return nil }
        if let prefix {
            // With a prefix, fail2ban keeps an IPv6-written address IPv6 even when it is mapped.
            if address.isIPv4 && text.contains(":") {
                guard prefix <= 128 else { return nil }
                self.init(raw: IPNetwork.masked(address, prefix), prefixLength: prefix, isIPv4: false)
                return
            }
            self.init(address: address, prefixLength: prefix)
        } else {
            self.init(address: address, prefixLength: address.isIPv4 ? 32 : 128)
        }
    }

    /// True when `ip` is in the block (and of the same family).
    public func contains(_ ip: IPAddress) -> Bool {
        guard ip.isIPv4 == isIPv4 else { return false }
        return IPNetwork.masked(ip, isIPv4 ? prefixLength + 96 : prefixLength) == address
    }

    public var description: String {
        let full = isIPv4 ? 32 : 128
        if !isIPv4 && address.isIPv4 {
            return "::ffff:\(address)/\(prefixLength)"
        }
        return prefixLength == full ? address.description : "\(address)/\(prefixLength)"
    }

    /// `address` with all but the first `bits` of its 128 bits cleared.
    static func masked(_ address: IPAddress, _ bits: Int) -> IPAddress {
        let highMask: UInt64 = bits >= 64 ? .max : (bits == 0 ? 0 : ~(UInt64.max >> UInt64(bits)))
        let lowBits = bits - 64
        let lowMask: UInt64 = lowBits <= 0 ? 0 : (lowBits >= 64 ? .max : ~(UInt64.max >> UInt64(lowBits)))
        return IPAddress(high: address.high & highMask, low: address.low & lowMask)
    }

    /// An address as `inet_pton` accepts it: IPv4 without leading zeros, or IPv6.
    static func strictAddress(_ text: String) -> IPAddress? {
        if !text.contains(":") {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4,
                parts.allSatisfy({ $0.count >= 1 && ($0.count == 1 || !$0.hasPrefix("0")) })
            else { return nil }
        }
        return IPAddress(text)
    }

    /// The prefix length of a contiguous mask (`255.255.255.0` → 24), nil if it is not one.
    static func maskLength(_ mask: IPAddress) -> Int? {
        let bitsCount = mask.isIPv4 ? 32 : 128
        var value: (UInt64, UInt64) = mask.isIPv4 ? (UInt64(mask.ipv4Value) << 32, 0) : (mask.high, mask.low)
        var ones = 0
        while ones < bitsCount && value.0 >> 63 == 1 {
            ones += 1
            value = (value.0 << 1 | value.1 >> 63, value.1 << 1)
        }
        return value == (0, 0) ? ones : nil
    }
}

/// A jail's `ignoreip`: address blocks that are checked offline, and host names, which fail2ban
/// resolves through DNS at run time and jailbird therefore cannot check.
public struct IgnoreList: Equatable, Sendable {
    public var networks: [IPNetwork]
    /// Entries that are host names, kept as written.
    public var hostnames: [String]

    public init(networks: [IPNetwork] = [], hostnames: [String] = []) {
        self.networks = networks
        self.hostnames = hostnames
    }

    /// True when one of the address blocks contains `ip`. Host names are not consulted.
    public func contains(_ ip: IPAddress) -> Bool {
        networks.contains { $0.contains(ip) }
    }

    /// Reads an `ignoreip` value: entries separated by blanks, commas or line breaks, as
    /// fail2ban's `splitwords` splits it.
    /// - Throws: a message naming the first entry that is neither an address, a block nor a
    ///   host name.
    static func parse(_ text: String) throws(ExpressionError) -> IgnoreList {
        var list = IgnoreList()
        for rawEntry in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\n" }) {
            let entry = IniFile.strip(String(rawEntry))
            if entry.isEmpty { continue }
            if let network = IPNetwork(parsing: entry) {
                if !list.networks.contains(network) { list.networks.append(network) }
                continue
            }
            // A host name: letters, digits, '-', '_' and dots; not something that looks like
            // a mistyped address or block.
            let looksNumeric = entry.allSatisfy { $0.isNumber || $0 == "." || $0 == "/" || $0 == ":" }
            let isName = entry.allSatisfy {
                $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".")
            }
            guard isName, !looksNumeric, !entry.hasPrefix("."), !entry.hasPrefix("-") else {
                throw ExpressionError(
                    message: "'\(entry)' is not an IP address, an address/prefix block or a host name")
            }
            if !list.hostnames.contains(entry) { list.hostnames.append(entry) }
        }
        return list
    }
}

extension IgnoreList {
    /// Reads an `ignoreip` value given outside a configuration file (`--ignoreip`).
    public init(parsing text: String) throws(ConfigError) {
        do {
            self = try IgnoreList.parse(text)
        } catch {
            throw ConfigError(file: "", line: 0, key: "ignoreip", message: error.message)
        }
    }
}
