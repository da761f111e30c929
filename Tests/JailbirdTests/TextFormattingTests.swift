import Foundation
import Jailbird
import Testing

/// The library formats numbers and trims text without Foundation (it links FoundationEssentials
/// only, for start-up); these tests hold its helpers to what Foundation answers.
struct TextFormattingTests {
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
