
/// Escaping of log-derived text (user names, SIP URIs: attacker-controlled) for each output, so
/// it stays data: never a terminal escape, a CSV formula, a JSON break-out or HTML markup.
public enum SafeText {
    /// Text for a terminal: control characters (C0, DEL, C1) and backslashes are shown as `\xNN`
    /// escapes, so no escape sequence reaches the terminal.
    public static func terminal(_ text: String) -> String {
        var needsEscape = false
        for scalar in text.unicodeScalars where isControl(scalar) || scalar == "\\" {
            needsEscape = true
            break
        }
        if !needsEscape { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) {
                result += "\\x" + hex(scalar.value)
            } else if scalar == "\\" {
                result += "\\\\"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
            || scalar.value == 0x2028 || scalar.value == 0x2029 || (scalar.value >= 0x202A && scalar.value <= 0x202E)
            || (scalar.value >= 0x2066 && scalar.value <= 0x2069)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        if value > 0xFF {
            return "{" + String(value, radix: 16) + "}"
        }
        return String(digits[Int(value >> 4)]) + String(digits[Int(value & 0xF)])
    }

    /// Whether `byte` is one `appendJSON` escapes (C0 controls, `"`, `\`, DEL) or the first byte of
    /// U+2028/U+2029 (`E2`): one bit per byte value, four words of 64.
    @inline(__always)
    private static func mayNeedJSONEscape(_ byte: UInt8) -> Bool {
        let word: UInt64
        switch byte >> 6 {
        case 0: word = 0x0000_0004_FFFF_FFFF  // 0x00-0x1F, 0x22
        case 1: word = 0x8000_0000_1000_0000  // 0x5C, 0x7F
        case 2: word = 0
        default: word = 0x0000_0004_0000_0000  // 0xE2
        }
        return (word >> UInt64(byte & 63)) & 1 != 0
    }

    /// False when none of the eight bytes of `word` is one `mayNeedJSONEscape` flags nor any
    /// byte above 0x7F (those are looked at one by one): no byte below 0x20, no `"`, `\`, DEL.
    @inline(__always)
    private static func wordMayNeedJSONEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let below0x20 = (word &- 0x20 &* ones) & ~word & highs != 0
        return word & highs != 0 || below0x20 || hasZeroByte(word ^ 0x22 &* ones) || hasZeroByte(word ^ 0x5C &* ones)
            || hasZeroByte(word ^ 0x7F &* ones)
    }

    /// A JSON string literal (with quotes). Control characters, quotes, backslashes and the
    /// line separators U+2028/U+2029 are escaped.
    public static func json(_ text: String) -> String {
        ByteLine.text { appendJSON(text, to: &$0) }
    }

    /// `json(text)` written onto the end of `line`, reading the text's UTF-8 bytes: the escaped
    /// characters are ASCII but for U+2028/U+2029 (`E2 80 A8`/`E2 80 A9`).
    public static func appendJSON(_ text: String, to line: inout ByteLine) {
        let hexDigits: StaticString = "0123456789abcdef"
        line.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Runs that need no escape are copied whole.
            var runStart = 0
            var index = 0
            while index < utf8.count {
                // Eight plain ASCII bytes at a time, the usual case.
                if index + 8 <= utf8.count, !wordMayNeedJSONEscape(
                    UnsafeRawPointer(utf8.baseAddress! + index).loadUnaligned(as: UInt64.self))
                {
                    index += 8
                    continue
                }
                let byte = utf8[index]
                guard mayNeedJSONEscape(byte),
                    byte != 0xE2
                        || index + 2 < utf8.count && utf8[index + 1] == 0x80
                            && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9)
                else {
                    index += 1
                    continue
                }
                line.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<index])))
                line.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): line.append(byte)
                case UInt8(ascii: "\n"): line.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): line.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): line.append(UInt8(ascii: "t"))
                case 0xE2:
                    line.append(utf8[index + 2] == 0xA8 ? "u2028" : "u2029")
                    index += 2
                default:
                    line.append("u00")
                    line.append(hexDigits.utf8Start[Int(byte >> 4)])
                    line.append(hexDigits.utf8Start[Int(byte & 0xF)])
                }
                index += 1
                runStart = index
            }
            line.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart...])))
        }
        line.append(UInt8(ascii: "\""))
    }

    /// Text for HTML element content and quoted attribute values: `&`, `<`, `>`, `"` and `'`
    /// become character references, and control characters (C0, DEL, C1, the line separators and
    /// the bidirectional overrides, which could reorder what a reader sees) are shown as `\xNN`
    /// escapes as on a terminal. The one escaping function of the HTML report: every
    /// log-derived string goes through it, in text, attributes and SVG alike.
    public static func html(_ text: String) -> String {
        let visible = terminal(text)
        var result = ""
        result.reserveCapacity(visible.utf8.count)
        for scalar in visible.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Text for Markdown (CommonMark / GitHub), also inside table cells: control characters are
    /// shown as `\xNN` escapes, and every ASCII character that Markdown could read as syntax
    /// (emphasis, code, links, images, HTML, table pipes, headings, mentions `@`, references
    /// `#`, math `$`, entities `&`) is escaped with a backslash, so the text renders literally.
    public static func markdown(_ text: String) -> String {
        let visible = terminal(text)
        var result = ""
        result.reserveCapacity(visible.utf8.count)
        for scalar in visible.unicodeScalars {
            if markdownSyntax.contains(scalar) { result += "\\" }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    private static let markdownSyntax: Set<Unicode.Scalar> = [
        "\\", "`", "*", "_", "{", "}", "[", "]", "(", ")", "<", ">", "#", "+", "-", "!", "|", "~", "@", "$", "&",
        "=", ":",
    ]

    /// An RFC 4180 CSV field. Fields that a spreadsheet would run as a formula (starting with
    /// `=`, `+`, `-`, `@`, tab or CR) get a leading `'`; fields with a comma, quote, CR or LF are
    /// quoted with inner quotes doubled.
    public static func csv(_ text: String) -> String {
        ByteLine.text { appendCSV(text, to: &$0) }
    }

    /// `csv(text)` written onto the end of `line`. The field is looked at byte by byte, so a
    /// comma, quote or line break counts even when a combining mark follows it (as one
    /// character it would not compare equal to the plain one).
    public static func appendCSV(_ text: String, to line: inout ByteLine) {
        var text = text
        text.withUTF8 { utf8 in
            let formulaStart: Bool
            switch utf8.first {
            case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: "\t"),
                UInt8(ascii: "\r"):
                formulaStart = true
            default:
                formulaStart = false
            }
            let quoted = utf8.contains { byte in
                byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                    || byte == UInt8(ascii: "\r")
            }
            if formulaStart { line.append(quoted ? "\"'" : "'") } else if quoted { line.append(UInt8(ascii: "\"")) }
            guard quoted else {
                line.append(UnsafeRawBufferPointer(utf8))
                return
            }
            // Inner quotes doubled: each run up to and with a quote, then the quote again.
            var runStart = 0
            for index in utf8.indices where utf8[index] == UInt8(ascii: "\"") {
                line.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart...index])))
                line.append(UInt8(ascii: "\""))
                runStart = index + 1
            }
            line.append(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart...])))
            line.append(UInt8(ascii: "\""))
        }
    }
}
