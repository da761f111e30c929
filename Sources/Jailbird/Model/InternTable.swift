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

/// Interns strings by their UTF-8 bytes with a fast non-cryptographic hash. Two texts are the
/// same entry when their bytes are (Python's `==` on code points, which fail2ban's Python
/// applies), not merely canonically equivalent as Swift's `String ==` would have them.
struct StringTable {
    private var slots: [UInt32]  // 0 = empty, else 1 + index into `strings`
    private var hashes: [UInt64]
    private(set) var strings: [String] = []
    /// The UTF-8 bytes of every string, one after the other; string i ends at `ends[i]`.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []

    init(capacity: Int = 256) {
        let size = max(16, capacity.nextPowerOfTwo)
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt64](repeating: 0, count: size)
    }

    /// The 1-based id of `text`, adding it when new.
    mutating func intern(_ text: String) -> UInt32 {
        var utf8 = text
        return utf8.withUTF8 { intern(UnsafeRawBufferPointer($0)) { text } }
    }

    /// The 1-based id of the text of `raw` (invalid UTF-8 repaired, as `String(decoding:)` and
    /// Python's `errors='replace'` do), adding it when new. A known text costs a hash and a
    /// comparison: stored texts are valid UTF-8, so bytes equal to one of them are its text.
    /// Only bytes that match none are checked, and repaired when they need it.
    mutating func intern(bytes raw: UnsafeRawBufferPointer) -> UInt32 {
        let hash = ByteClass.hash(raw)
        if let id = find(raw, hash: hash) { return id }
        let text = String(decoding: raw, as: UTF8.self)
        if ByteClass.isASCII(raw) { return insert(text, raw, hash: hash) }
        return intern(text)
    }

    /// The id of the text whose UTF-8 bytes are `raw`; `make` builds its String when it is new.
    private mutating func intern(_ raw: UnsafeRawBufferPointer, make: () -> String) -> UInt32 {
        let hash = ByteClass.hash(raw)
        if let id = find(raw, hash: hash) { return id }
        return insert(make(), raw, hash: hash)
    }

    /// The id of the stored text with these bytes.
    @inline(__always)
    private func find(_ raw: UnsafeRawBufferPointer, hash: UInt64) -> UInt32? {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        return slots.withUnsafeBufferPointer { slots in
            hashes.withUnsafeBufferPointer { hashes in
                while slots[index] != 0 {
                    let id = slots[index]
                    if hashes[index] == hash && storedBytesEqual(Int(id - 1), raw) { return id }
                    index = (index + 1) & mask
                }
                return nil
            }
        }
    }

    /// Adds a text that `find` did not find (its bytes `raw`, their hash `hash`).
    private mutating func insert(_ text: String, _ raw: UnsafeRawBufferPointer, hash: UInt64) -> UInt32 {
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index] != 0 { index = (index + 1) & mask }
        strings.append(text)
        bytes.append(contentsOf: raw)
        ends.append(bytes.count)
        let id = UInt32(strings.count)
        slots[index] = id
        hashes[index] = hash
        if strings.count * 2 > slots.count { rebuild() }
        return id
    }

    @inline(__always)
    private func storedBytesEqual(_ offset: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let start = offset == 0 ? 0 : ends[offset - 1]
        guard ends[offset] - start == raw.count else { return false }
        return raw.isEmpty || bytes.withUnsafeBytes { ByteClass.sameBytes($0.baseAddress! + start, raw.baseAddress!, count: raw.count) }
    }

    private mutating func rebuild() {
        let size = slots.count * 2
        slots = [UInt32](repeating: 0, count: size)
        hashes = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        bytes.withUnsafeBytes { stored in
            for offset in strings.indices {
                let start = offset == 0 ? 0 : ends[offset - 1]
                let hash = ByteClass.hash(UnsafeRawBufferPointer(rebasing: stored[start..<ends[offset]]))
                var index = Int(truncatingIfNeeded: hash) & mask
                while slots[index] != 0 { index = (index + 1) & mask }
                slots[index] = UInt32(offset + 1)
                hashes[index] = hash
            }
        }
    }
}

extension Int {
    /// The smallest power of two at least `self` (1 for 0).
    var nextPowerOfTwo: Int {
        self <= 1 ? 1 : 1 << (Int.bitWidth - (self - 1).leadingZeroBitCount)
    }
}
