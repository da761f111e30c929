import Foundation
import Jailbird
import Testing

/// The library formats numbers and trims text without Foundation (it links FoundationEssentials
/// only, for start-up); these tests hold its helpers to what Foundation answers.
struct TextFormattingTests {
    /// Decimal digits with zeros in front, as `String(format: "%0*ld")` writes them, appended to
    /// a line that starts small and grows across them.
    @Test func decimalsAreWrittenAsStringFormatWritesThem() {
        var values = [0, 1, 9, 10, 99, 100, 999_999, 1_000_000, Int.max, Int.max / 10, 1_000_000_000_000_000_000]
        var generator = SystemRandomNumberGenerator()
        values += (0..<500).map { _ in Int.random(in: 0...Int.max, using: &generator) >> Int.random(in: 0...62, using: &generator) }
        var line = ByteLine(capacity: 1)
        var expected = ""
        for value in values {
            for width in [1, 2, 4, 25] {
                appendDecimal(value, width: width, to: &line)
                line.append(",")
                expected += String(format: "%0*ld,", width, value)
            }
        }
        #expect(line.text == expected)
        line.removeAll()
        #expect(line.count == 0 && line.text.isEmpty)
    }

    @Test(arguments: [
        0.0, -0.0, 0.05, 0.15, 2.25, 2.35, 9.9995, 9.99949, 99.95, 1234.5678, -3.25,
        1e-7, 123_456_789.987, 1e21, 1e300, -1e308,
    ])
    func fixedRoundsAsStringFormat(value: Double) {
        for decimals in [0, 1, 2, 3] {
            #expect(Format.fixed(value, decimals: decimals) == String(format: "%.\(decimals)f", value))
        }
    }

    @Test func fixedRoundsTiesOfTheExactBinaryValueToEven() {
        #expect(Format.fixed(2.25, decimals: 1) == "2.2")
        #expect(Format.fixed(2.75, decimals: 1) == "2.8")
        #expect(Format.fixed(0.125, decimals: 2) == "0.12")
    }

    @Test(arguments: [
        "", " ", "\t\t", "  a b  ", "\ta\t", "\u{00A0}x\u{3000}", "\u{2003} y \u{202F}",
        "\nkeeps line breaks\n", "\r\n", " \u{1680}z", "no blanks",
    ])
    func trimmingBlanksRemovesWhatFoundationsWhitespacesHolds(text: String) {
        #expect(text.trimmingBlanks() == text.trimmingCharacters(in: .whitespaces))
    }
}

/// The start-up and size gain of FoundationEssentials holds only while no source file imports
/// the whole of Foundation (with ICU) again; a file may import it only as the fallback of
/// `#if canImport(FoundationEssentials)`, for platforms that lack the smaller module.
struct FoundationImportTests {
    @Test func sourcesImportFoundationOnlyWhereFoundationEssentialsIsMissing() throws {
        let sources = Fixtures.root.deletingLastPathComponent().appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" }
        #expect(files.count > 50)
        var offenders: [String] = []
        for file in files {
            let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            for (index, line) in lines.enumerated() where line == "import Foundation" {
                let guarded = index >= 3 && lines[index - 1] == "#else" && lines[index - 2] == "import FoundationEssentials"
                    && lines[index - 3] == "#if canImport(FoundationEssentials)"
                if !guarded { offenders.append("\(file.lastPathComponent):\(index + 1)") }
            }
        }
        #expect(offenders == [])
    }
}
