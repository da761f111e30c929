import Foundation
import Testing

@testable import Jailbird

@Suite struct ReportRenderingTests {
    static func scenarioReport() throws -> IncidentReport {
        let scenario = try ReportScenario()
        return IncidentReport(analysis: scenario.analysis(), since: ReportScenario.t0, until: ReportScenario.t0 + 7200)
    }

    static func hostileReport() -> IncidentReport { IncidentReport(analysis: HostileScenario.analysis()) }

    // MARK: SafeText

    @Test func htmlEscapesMarkupQuotesAndControls() {
        #expect(SafeText.html("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
        #expect(SafeText.html("\u{1b}[31mred") == "\\x1b[31mred")
        #expect(SafeText.html("abc\u{202E}txt") == "abc\\x{202e}txt")
        #expect(SafeText.html("plain 100@pbx") == "plain 100@pbx")
    }

    /// JSON and CSV escaping work on bytes; they must equal their definitions over Unicode
    /// scalars on any text: random mixes of the bytes that matter, combining marks after them,
    /// the line separators and formula starts.
    @Test func jsonAndCSVEqualTheirDefinitions() throws {
        func jsonDefinition(_ text: String) -> String {
            var result = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": result += "\\\""
                case "\\": result += "\\\\"
                case "\n": result += "\\n"
                case "\r": result += "\\r"
                case "\t": result += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
                        let hex = String(scalar.value, radix: 16)
                        result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        result.unicodeScalars.append(scalar)
                    }
                }
            }
            return result + "\""
        }
        func csvDefinition(_ text: String) -> String {
            let scalars = text.unicodeScalars
            let field = (scalars.first.map { "=+-@\t\r".unicodeScalars.contains($0) } ?? false) ? "'" + text : text
            guard field.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) }) else { return field }
            var quoted = "\""
            for scalar in field.unicodeScalars {
                if scalar == "\"" { quoted += "\"" }
                quoted.unicodeScalars.append(scalar)
            }
            return quoted + "\""
        }
        let pieces = [
            "a", "7", " ", ",", "\"", "'", "\\", "\n", "\r", "\t", "\u{0}", "\u{1b}", "\u{7f}", "=", "+", "-", "@",
            "\u{301}", "\u{2028}", "\u{2029}", "\u{2027}", "\u{e2}", "é", "€", "😀", "\u{202e}",
        ]
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }
                .joined()
            #expect(SafeText.json(text) == jsonDefinition(text), "\(text.debugDescription)")
            #expect(SafeText.csv(text) == csvDefinition(text), "\(text.debugDescription)")
            // The JSON literal reads back as the text.
            let decoded = try JSONDecoder().decode(String.self, from: Data(SafeText.json(text).utf8))
            #expect(decoded == text)
        }
        // Every scalar up to U+3000 alone and between letters (each lead byte and control byte, E2
        // sequences that are and are not U+2028/U+2029), and a few above.
        for value in Array(0...0x3000) + [0xFEFF, 0xFFFD, 0x1F600, 0x10FFFF] {
            guard let scalar = Unicode.Scalar(value) else { continue }
            for text in [String(scalar), "a" + String(scalar) + "b"] {
                #expect(SafeText.json(text) == jsonDefinition(text), "U+\(String(value, radix: 16))")
            }
        }
        // A separator followed by a combining mark is still one: quoted, not a raw column or row break.
        #expect(SafeText.csv("a,\u{301}b") == "\"a,\u{301}b\"")
        #expect(SafeText.csv("a\r\u{301}") == "\"a\r\u{301}\"")
        #expect(SafeText.csv("-1") == "'-1")
        #expect(SafeText.csv("=1,2") == "\"'=1,2\"")
    }

    @Test func markdownEscapesSyntax() {
        #expect(SafeText.markdown("a|b") == "a\\|b")
        #expect(SafeText.markdown("`x` [l](u) <b> *e* @who #1") == "\\`x\\` \\[l\\]\\(u\\) \\<b\\> \\*e\\* \\@who \\#1")
        #expect(SafeText.markdown("\u{7}") == "\\\\x07")
        #expect(SafeText.markdown("1000") == "1000")
    }

    // MARK: Markdown

    @Test func markdownHasTheScenarioFigures() throws {
        let text = ReportMarkdown.render(try Self.scenarioReport())
        #expect(text.hasPrefix("# Incident report: 2024-03-01T10:00:00Z to 2024-03-01T12:00:00Z\n"))
        #expect(text.contains("| Failures | 130 |"))
        #expect(text.contains("| Distinct attackers (IPs) | 5 (IPv4 4, IPv6 1) |"))
        #expect(text.contains("| Successful logins | 1 |"))
        #expect(text.contains("| asterisk | 122 | 4 | 1 |"))
        #expect(text.contains("| 2024-03-01T10:00:00Z | 21 | 1 | 1 |"))
        #expect(text.contains("| 203.0.113.0/24 | 120 | 3 | 2024-03-01T10:00:00Z | 2024-03-01T10:11:57Z |"))
        #expect(text.contains("| \"1000\" | 3 | 3 |"))
        #expect(text.contains("3 scan and 2 brute-force phases"))
        #expect(
            text.contains(
                "| 2001:db8:66::1 | brute force | 2024-03-01T10:00:00Z | 2024-03-01T11:03:00Z | 1h3m | 8 | 1 | \"root\" ×8 |"
            ))
        #expect(text.contains("the simulation reproduced 2 and missed 1; it added 1 bans"))
        #expect(!text.contains("Not everything in the inputs was read"))  // the scenario's logs were read whole
        // The compromise comes first, loudly, before the summary.
        let alert = try #require(text.range(of: "**⚠ POSSIBLE COMPROMISE: 1 IP logged in successfully and also failed"))
        let summary = try #require(text.range(of: "## Summary"))
        #expect(alert.lowerBound < summary.lowerBound)
        #expect(
            text.contains(
                "> | 198.51.100.7 | 2 | 1 | 2024-03-01T10:30:00Z | 1 | 2024-03-01T10:30:20Z | \"201\" | asterisk | login after failing; same user failed first |"
            ))
    }

    @Test func markdownShowsHostileTextAsText() throws {
        let text = ReportMarkdown.render(Self.hostileReport())
        // Every `<` from the data is backslash-escaped (a literal `<` in CommonMark).
        #expect(zip(text, text.dropFirst()).allSatisfy { $0.1 != "<" || $0.0 == "\\" })
        #expect(text.contains("<") == false || text.contains("\\<"))
        #expect(text.contains("\\<script\\>alert\\(1\\)\\</script\\>"))
        // What was not read is said before anything else, as text.
        let notes = try #require(text.range(of: "**Not everything in the inputs was read:**\n\n- full\\<img"))
        #expect(notes.lowerBound < (text.range(of: "## Summary")?.lowerBound ?? text.endIndex))
        #expect(text.contains("sshd\\-session \\| sshd\\-auth not read"))
        // Every row of the users table keeps its 3 columns: no unescaped pipe from the data.
        let section = text.components(separatedBy: "## Users and extensions targeted\n\n")[1].components(
            separatedBy: "\n\n")[0]
        let rows = section.split(separator: "\n")
        #expect(rows.count == 2 + HostileScenario.strings.count)
        for row in rows {
            let unescapedPipes =
                zip(row, row.dropFirst()).filter { $0.0 != "\\" && $0.1 == "|" }.count + (row.first == "|" ? 1 : 0)
            #expect(unescapedPipes == 4, "\(row)")
        }
    }

    // MARK: HTML

    @Test func htmlShowsHostileTextEscapedEverywhere() {
        let html = ReportHTML.render(Self.hostileReport())
        for raw in ["<script", "<img", "<b>x", "<i>jail", "</svg><"] { #expect(!html.contains(raw), "\(raw)") }
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&lt;/svg&gt;&lt;b&gt;x"))
        #expect(html.contains("full&lt;img src=x onerror=alert(2)&gt;"))
        #expect(html.contains("&lt;i&gt;jail&lt;/i&gt;"))
        #expect(html.contains("<li>full&lt;img src=x onerror=alert(3)&gt;: 2 lines of sshd-session | sshd-auth not read</li>"))
        // The user chart labels the bars with the hostile names, escaped, inside the SVG.
        let chart = html.components(separatedBy: "<svg id=\"users-chart\"")[1].components(separatedBy: "</svg>")[0]
        #expect(chart.contains("&lt;/svg&gt;&lt;b&gt;x"))
        #expect(html.components(separatedBy: "<svg ").count == html.components(separatedBy: "</svg>").count)
    }

    @Test func htmlIsSelfContained() throws {
        let html = ReportHTML.render(try Self.scenarioReport())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<style>"))
        #expect(html.contains("@media print"))
        #expect(html.contains("Content-Security-Policy"))
        #expect(!html.lowercased().contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains(" src="))
        // The only URL is the SVG namespace.
        let urls = html.components(separatedBy: "http://").count + html.components(separatedBy: "https://").count - 2
        #expect(urls == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        #expect(html.contains("<svg id=\"timeline-chart\""))
        #expect(html.contains("<svg id=\"offenders-chart\""))
        #expect(html.components(separatedBy: "class=\"real-ban\"").count - 1 == 3)
        #expect(html.components(separatedBy: "class=\"simulated-ban\"").count - 1 == 3)
        #expect(html.contains("POSSIBLE COMPROMISE: 1 IP logged in successfully"))
    }
}
