/// Open-addressing hash tables for interning on the per-event path. Swift's `Dictionary` hashes
/// with SipHash (seeded, DoS-resistant, ~20 ns a key); these use a multiplicative / FNV-style
/// hash (a few ns). They are keyed by data that an attacker controls only in content, not in
/// volume per line, and hold at most one entry per distinct host or user, so a hash-flooding
/// attack could at worst slow a scan down, never change its result.
struct AddressTable {
    private var keys: [IPAddress]
    private var values: [UInt32]
    private var used: [Bool]
    private(set) var count = 0

    init(capacity: Int = 1024) {
        let size = max(16, capacity.nextPowerOfTwo)
        keys = [IPAddress](repeating: IPAddress(ipv4: 0), count: size)
        values = [UInt32](repeating: 0, count: size)
        used = [Bool](repeating: false, count: size)
    }

    @inline(__always)
    private static func slot(_ key: IPAddress, mask: Int) -> Int {
        let mixed = (key.high ^ key.low &* 0x9E37_79B9_7F4A_7C15) &* 0xBF58_476D_1CE4_E5B9
        return Int(truncatingIfNeeded: mixed >> 32) & mask
    }

    /// The value stored for `key`, or nil.
    func value(for key: IPAddress) -> UInt32? {
        let mask = keys.count - 1
        var index = Self.slot(key, mask: mask)
        while used[index] {
            if keys[index] == key { return values[index] }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Stores `value` for `key` (which must not be present yet).
    mutating func insert(_ key: IPAddress, _ value: UInt32) {
        if (count + 1) * 2 > keys.count { grow() }
        let mask = keys.count - 1
        var index = Self.slot(key, mask: mask)
        while used[index] { index = (index + 1) & mask }
        keys[index] = key
        values[index] = value
        used[index] = true
        count += 1
    }

    /// Calls `body` with every key (in table order).
    func forEachKey(_ body: (IPAddress) -> Void) {
        for index in keys.indices where used[index] { body(keys[index]) }
    }

    private mutating func grow() {
        var bigger = AddressTable(capacity: keys.count * 2)
        for index in keys.indices where used[index] { bigger.insert(keys[index], values[index]) }
        self = bigger
    }
}

/// Interns strings by their UTF-8 bytes with a fast non-cryptographic hash.
struct StringTable {
    private var slots: [UInt32]  // 0 = empty, else 1 + index into `strings`
    private var hashes: [UInt64]
    private(set) var strings: [String] = []

    init(capacity: Int = 256) {
        let size = max(16, capacity.nextPowerOfTwo)
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt64](repeating: 0, count: size)
    }

    /// Eight bytes at a time, multiply-xorshift mixed (a short-string hash, not a secure one).
    private static func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { bytes in
            var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
            var index = 0
            let raw = UnsafeRawBufferPointer(bytes)
            while index + 8 <= raw.count {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                hash ^= hash >> 29
                index += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < raw.count {
                tail |= UInt64(raw[index]) << shift
                shift += 8
                index += 1
            }
            hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
            return hash ^ (hash >> 31)
        }
    }

    /// The 1-based id of `text`, adding it when new.
    mutating func intern(_ text: String) -> UInt32 {
        let hash = Self.hash(text)
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index] != 0 {
            if hashes[index] == hash && strings[Int(slots[index] - 1)] == text { return slots[index] }
            index = (index + 1) & mask
        }
        strings.append(text)
        let id = UInt32(strings.count)
        slots[index] = id
        hashes[index] = hash
        if strings.count * 2 > slots.count { rebuild() }
        return id
    }

    private mutating func rebuild() {
        let size = slots.count * 2
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        for (offset, text) in strings.enumerated() {
            let hash = Self.hash(text)
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = UInt32(offset + 1)
            hashes[index] = hash
        }
    }
}

extension Int {
    /// The smallest power of two at least `self` (1 for 0).
    var nextPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}
