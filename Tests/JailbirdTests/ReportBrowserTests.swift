import Foundation
import Testing

@testable import Jailbird

/// Debian's chromium, headless, when installed (`apt-get install -y chromium`; .ci/run does).
enum Chromium {
    static let executable: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let candidate = "\(directory)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Runs headless chromium on `file` with `arguments`; returns its exit status and stdout.
    static func run(_ arguments: [String], file: String, profile: String) throws -> (status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable!)
        process.arguments =
            [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--hide-scrollbars",
                "--user-data-dir=\(profile)",
            ] + arguments + [URL(fileURLWithPath: file).absoluteString]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite(
    .serialized,
    .enabled(
        if: Chromium.executable != nil,
        "chromium is not installed: `apt-get install -y chromium` to check the HTML report in a real browser"))
struct ReportBrowserTests {
    /// The parsed DOM of the hostile report: the attacker strings are text, no element came from them.
    @Test(.timeLimit(.minutes(2))) func browserShowsHostileStringsAsText() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write(
            "report.html", ReportHTML.render(IncidentReport(analysis: HostileScenario.analysis())))
        let run = try Chromium.run(["--dump-dom"], file: file, profile: directory.path + "/profile")
        #expect(run.status == 0)
        let dom = run.stdout
        try #require(dom.contains("</html>"), "chromium printed no DOM")
        // Serialised text nodes come back escaped; an element made from the data would not.
        #expect(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(dom.contains("\"&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(dom.contains("&lt;/svg&gt;&lt;b&gt;x"))
        #expect(dom.contains("full&lt;img src=x onerror=alert(2)&gt;"))
        let lower = dom.lowercased()
        #expect(!lower.contains("<script"))
        #expect(!lower.contains("<img"))
        #expect(!lower.contains("<b>x"))
        #expect(!lower.contains("<i>jail"))
        #expect(!lower.contains("onerror=\""))
        // The charts are SVG elements, and the hostile label stayed inside its chart.
        #expect(dom.contains("<svg id=\"timeline-chart\""))
        let chart = try #require(dom.components(separatedBy: "<svg id=\"users-chart\"").dropFirst().first)
        let inside = chart.components(separatedBy: "</svg>")[0]
        #expect(inside.contains("&lt;/svg&gt;&lt;b&gt;x"))
        #expect(inside.components(separatedBy: "<rect").count - 1 == HostileScenario.strings.count)
    }

    /// The scenario report renders to a picture (look at it with `JAILBIRD_KEEP_SCREENSHOT=path`).
    @Test(.timeLimit(.minutes(2))) func browserRendersTheScenarioReport() throws {
        let directory = try TemporaryDirectory()
        let scenario = try ReportScenario()
        let report = IncidentReport(
            analysis: scenario.analysis(), since: ReportScenario.t0, until: ReportScenario.t0 + 7200)
        let file = try directory.write("report.html", ReportHTML.render(report))
        let dump = try Chromium.run(["--dump-dom"], file: file, profile: directory.path + "/profile")
        #expect(dump.stdout.components(separatedBy: "<svg ").count - 1 == 4)
        #expect(dump.stdout.components(separatedBy: "class=\"real-ban\"").count - 1 == 3)
        #expect(dump.stdout.contains("POSSIBLE COMPROMISE"))
        let picture = directory.path + "/report.png"
        let shot = try Chromium.run(
            ["--screenshot=\(picture)", "--window-size=1200,2400"], file: file, profile: directory.path + "/profile")
        #expect(shot.status == 0)
        let png = try Data(contentsOf: URL(fileURLWithPath: picture))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000, "a blank page compresses to a few kB")
        if let keep = ProcessInfo.processInfo.environment["JAILBIRD_KEEP_SCREENSHOT"] {
            try png.write(to: URL(fileURLWithPath: keep))
        }
    }
}
