import CZlib
import Foundation

/// A directory under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/jailbird-test-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `bytes` to `name` inside the directory and returns the full path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let file = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }
}

/// Compresses `bytes` into one gzip member with zlib (no external tools).
func gzipped(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    // 15 + 16: gzip wrapper. deflateInit2 is a macro; call the function it expands to.
    let initCode = deflateInit2_(
        &stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY, zlibVersion(),
        Int32(MemoryLayout<z_stream>.size))
    precondition(initCode == Z_OK)
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, UInt(bytes.count))) + 64)
    var input = bytes
    let outputCount = output.count
    let code = input.withUnsafeMutableBufferPointer { inputBuffer in
        output.withUnsafeMutableBufferPointer { outputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = UInt32(inputBuffer.count)
            stream.next_out = outputBuffer.baseAddress
            stream.avail_out = UInt32(outputCount)
            return deflate(&stream, Z_FINISH)
        }
    }
    precondition(code == Z_STREAM_END)
    return Array(output[..<Int(stream.total_out)])
}

/// Deterministic pseudo-random numbers (SplitMix64) so failures can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `input` with `edits` random edits in its first `within` bytes (anywhere by default): a byte
/// replaced by, or inserted from, `bytes`, a byte removed, or (when `pieces` are given) a piece
/// inserted.
func mutated<Generator: RandomNumberGenerator>(
    _ input: [UInt8], edits: ClosedRange<Int>, within: Int = .max, bytes: [UInt8], pieces: [[UInt8]] = [],
    _ generator: inout Generator
) -> [UInt8] {
    var variant = input
    for _ in 0..<Int.random(in: edits, using: &generator) where !variant.isEmpty {
        let position = Int.random(in: 0..<min(within, variant.count), using: &generator)
        switch Int.random(in: 0..<(pieces.isEmpty ? 3 : 4), using: &generator) {
        case 0: variant[position] = bytes.randomElement(using: &generator)!
        case 1: variant.insert(bytes.randomElement(using: &generator)!, at: position)
        case 2: variant.remove(at: position)
        default: variant.insert(contentsOf: pieces.randomElement(using: &generator)!, at: position)
        }
    }
    return variant
}

/// Log-like text that compresses realistically (varying numbers and addresses).
func sampleLogText(lines: Int, seed: UInt64 = 1) -> [UInt8] {
    var generator = SeededGenerator(seed: seed)
    var text = ""
    for index in 0..<lines {
        let octet = generator.next() % 256
        let port = generator.next() % 65536
        text +=
            "Jan 15 10:\(index % 60):\(index % 60) host sshd[\(1000 + index)]: Failed password for root"
            + " from 192.0.2.\(octet) port \(port) ssh2\n"
    }
    return Array(text.utf8)
}
