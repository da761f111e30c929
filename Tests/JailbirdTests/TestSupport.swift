import Foundation
@testable import Jailbird

/// Paths of the repository's fixtures, found from this file's location.
enum Fixtures {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures")

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    static func text(_ relative: String) throws -> String {
        try String(contentsOfFile: path(relative), encoding: .utf8)
    }
}

/// One annotated line of a fail2ban sample log: the `# failJSON:` object and the line after it.
struct AnnotatedLine {
    var expectation: [String: Any]
    var line: String
    var lineNumber: Int
    /// The `# filterOptions:` in force (fail2ban's samplestestcase grammar), as raw JSON text.
    var filterOptions: String?

    var matches: Bool { expectation["match"] as? Bool ?? false }
    var host: String? { expectation["host"] as? String }

    /// Reads every `# failJSON:` annotation with the line that follows it.
    static func read(_ relative: String) throws -> [AnnotatedLine] {
        let lines = try Fixtures.text(relative).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var result: [AnnotatedLine] = []
        var options: String?
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("# filterOptions:") {
                options = String(line.dropFirst("# filterOptions:".count)).trimmingCharacters(in: .whitespaces)
            } else if line.hasPrefix("# failJSON:"), index + 1 < lines.count {
                let json = line.dropFirst("# failJSON:".count)
                if let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] {
                    result.append(
                        AnnotatedLine(
                            expectation: object, line: lines[index + 1], lineNumber: index + 2, filterOptions: options))
                }
                index += 1
            }
            index += 1
        }
        return result
    }
}
