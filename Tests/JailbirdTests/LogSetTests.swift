import Foundation
import Testing

@testable import Jailbird

@Suite struct LogSetTests {
    @Test(arguments: [
        ("full", "full", "live"),
        ("full.1", "full", "n1"),
        ("full.2.gz", "full", "n2"),
        ("full-20240115.gz", "full", "d20240115"),
        ("full-20240115", "full", "d20240115"),
        ("full-2024-01-15.gz", "full", "d20240115"),
        ("auth.log", "auth.log", "live"),
        ("auth.log.10.gz", "auth.log", "n10"),
        ("/var/log/asterisk/messages.3", "/var/log/asterisk/messages", "n3"),
        ("fail2ban.log-2024011503", "fail2ban.log", "d2024011503"),
        ("full.gz", "full", "live"),
        (".1", ".1", "live"),
        ("log-7", "log-7", "live"),
    ])
    func rotationIsReadFromTheName(name: String, setName: String, age: String) {
        let rotation = LogSet.rotation(ofFileName: name)
        #expect(rotation.setName == setName)
        let expected: LogSet.RotationAge
        switch age.first {
        case "n": expected = .numbered(Int(age.dropFirst())!)
        case "d": expected = .dated(Int64(age.dropFirst())!)
        default: expected = .live
        }
        #expect(rotation.age == expected)
    }

    static func names(_ sources: [LogSource], in directory: TemporaryDirectory) -> [String] {
        sources.map { String($0.path.dropFirst(directory.path.count + 1)) }
    }

    static let rotatedNames = [
        "full", "full.1", "full.2.gz", "full-20240115.gz", "full-20240201",
        "auth.log", "auth.log.9.gz", "auth.log.10.gz", "auth.log.2",
    ]
    static let chronological = [
        "auth.log.10.gz", "auth.log.9.gz", "auth.log.2", "auth.log",
        "full-20240115.gz", "full-20240201", "full.2.gz", "full.1", "full",
    ]

    static func makeRotatedSet() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        for name in rotatedNames { try directory.write(name, "x\n") }
        return directory
    }

    @Test func directoryIsReadAsChronologicalSets() throws {
        let directory = try Self.makeRotatedSet()
        try FileManager.default.createDirectory(atPath: directory.path + "/sub", withIntermediateDirectories: false)
        try directory.write("sub/hidden.log", "x\n")
        let (sources, problems) = LogSet.discover([directory.path])
        #expect(problems.isEmpty)
        #expect(Self.names(sources, in: directory) == Self.chronological)
        #expect(sources.last?.setName == directory.path + "/full")
        #expect(sources.allSatisfy { $0.modificationTime != nil })
    }

    @Test func shellExpandedListIsOrderedTheSameWay() throws {
        let directory = try Self.makeRotatedSet()
        // The order a shell glob gives (lexicographic), which is not chronological.
        let arguments = Self.rotatedNames.sorted().map { directory.path + "/" + $0 }
        let (sources, problems) = LogSet.discover(arguments)
        #expect(problems.isEmpty)
        #expect(Self.names(sources, in: directory) == Self.chronological)
    }

    @Test func setsKeepArgumentOrderAndDuplicatesAreReadOnce() throws {
        let directory = try Self.makeRotatedSet()
        let path = { (name: String) in directory.path + "/" + name }
        let (sources, problems) = LogSet.discover([
            path("full.1"), "-", path("auth.log"), path("full"), path("full.1"), path("auth.log.10.gz"), "-",
        ])
        #expect(problems.isEmpty)
        #expect(
            sources.map(\.displayName) == [
                path("full.1"), path("full"), "standard input", path("auth.log.10.gz"), path("auth.log"),
            ])
        #expect(sources[2] == .standardInput)
        #expect(sources[2].modificationTime == nil)
    }

    @Test func missingPathsAreProblemsAndTheRestContinue() throws {
        let directory = try Self.makeRotatedSet()
        let missing = directory.path + "/nothing-here"
        let (sources, problems) = LogSet.discover([missing, directory.path + "/full"])
        #expect(problems == [InputProblem(path: missing, kind: .cannotOpen(.noSuchFileOrDirectory))])
        #expect(Self.names(sources, in: directory) == ["full"])
    }

    @Test func modificationTimeComesFromTheFile() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("messages", "x\n")
        let stamp: Int64 = 1_705_312_800
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: TimeInterval(stamp))], ofItemAtPath: path)
        let (sources, _) = LogSet.discover([path])
        #expect(sources.map(\.modificationTime) == [stamp])
    }
}
