
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

    /// A JSON string literal (with quotes). Control characters, quotes, backslashes and the
    /// line separators U+2028/U+2029 are escaped.
    public static func json(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendJSON(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `json(text)` written onto the end of `bytes`, reading the text's UTF-8 bytes: the escaped
    /// characters are ASCII but for U+2028/U+2029 (`E2 80 A8`/`E2 80 A9`).
    public static func appendJSON(_ text: String, to bytes: inout [UInt8]) {
        let hexDigits: StaticString = "0123456789abcdef"
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Runs that need no escape are copied whole.
            var runStart = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                let separator =
                    byte == 0xE2 && index + 2 < utf8.count && utf8[index + 1] == 0x80
                    && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9)
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x7F || separator
                else {
                    index += 1
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case UInt8(ascii: "\n"): bytes.append(UInt8(ascii: "n"))
                case UInt8(ascii: "\r"): bytes.append(UInt8(ascii: "r"))
                case UInt8(ascii: "\t"): bytes.append(UInt8(ascii: "t"))
                case 0xE2:
                    bytes.append(contentsOf: utf8[index + 2] == 0xA8 ? "u2028".utf8 : "u2029".utf8)
                    index += 2
                default:
                    bytes.append(contentsOf: "u00".utf8)
                    bytes.append(hexDigits.utf8Start[Int(byte >> 4)])
                    bytes.append(hexDigits.utf8Start[Int(byte & 0xF)])
                }
                index += 1
                runStart = index
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
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
        var bytes: [UInt8] = []
        appendCSV(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `csv(text)` written onto the end of `bytes`. The field is looked at byte by byte, so a
    /// comma, quote or line break counts even when a combining mark follows it (as one
    /// character it would not compare equal to the plain one).
    public static func appendCSV(_ text: String, to bytes: inout [UInt8]) {
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
            if quoted { bytes.append(UInt8(ascii: "\"")) }
            if formulaStart { bytes.append(UInt8(ascii: "'")) }
            for byte in utf8 {
                bytes.append(byte)
                if quoted && byte == UInt8(ascii: "\"") { bytes.append(byte) }
            }
            if quoted { bytes.append(UInt8(ascii: "\"")) }
        }
    }
}
