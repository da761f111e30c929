/// `value` (not negative) in at least `width` decimal digits, zeros in front, written onto the
/// end of `bytes` (the line buffers of the event and report writers).
public func appendDecimal(_ value: Int, width: Int = 1, to bytes: inout [UInt8]) {
    precondition(value >= 0, "appendDecimal writes non-negative numbers")
    // An Int has at most 19 digits; the digits are made right to left in a stack buffer.
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
        var rest = value
        var count = 0
        repeat {
            digits[19 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
            count += 1
        } while rest > 0
        while count < min(width, 20) {
            digits[19 - count] = UInt8(ascii: "0")
            count += 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
    }
}
