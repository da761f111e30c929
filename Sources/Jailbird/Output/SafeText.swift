import Foundation

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
        var result = "\""
        result.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hexDigits = String(scalar.value, radix: 16)
                    result += "\\u" + String(repeating: "0", count: 4 - hexDigits.count) + hexDigits
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        result += "\""
        return result
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
        var field = text
        if let first = field.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) {
            field = "'" + field
        }
        if field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return field
    }
}
