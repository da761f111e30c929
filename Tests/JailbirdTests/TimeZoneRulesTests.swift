import Testing

@testable import Jailbird

/// Expected values were computed once with Python on glibc (what fail2ban does for a zone-less
/// stamp: `time.mktime(datetime(...).timetuple())`, i.e. mktime with tm_isdst = -1):
///
///     TZ=Europe/Berlin python3 -c 'import time,datetime;
///         print(int(time.mktime(datetime.datetime(2024,3,31,2,30,0).timetuple())))'
///
/// and likewise for each row (TZ set to the row's zone). For ambiguous (fall-back) times glibc
/// reuses the offset of its previous call; the rows give its answer after a summer-time call.
@Suite struct TimeZoneRulesTests {
    @Test(arguments: [
        // zone, local civil time, UTC seconds from Python
        ("Europe/Berlin", [2024, 3, 31, 2, 30, 0], Int64(1_711_848_600)),  // spring-forward gap: read as CET
        ("Europe/Berlin", [2024, 3, 31, 1, 59, 59], 1_711_846_799),
        ("Europe/Berlin", [2024, 3, 31, 3, 0, 0], 1_711_846_800),
        ("Europe/Berlin", [2024, 10, 27, 2, 30, 0], 1_729_989_000),  // fall-back overlap: the earlier (CEST)
        ("Europe/Berlin", [2024, 10, 27, 1, 59, 59], 1_729_987_199),
        ("Europe/Berlin", [2024, 10, 27, 3, 0, 0], 1_729_994_400),
        ("Europe/Berlin", [2024, 7, 1, 12, 0, 0], 1_719_828_000),
        ("Europe/Berlin", [2024, 1, 15, 10, 23, 45], 1_705_310_625),
        ("America/New_York", [2024, 3, 10, 2, 30, 0], 1_710_055_800),  // gap: read as EST
        ("America/New_York", [2024, 3, 10, 3, 0, 0], 1_710_054_000),
        ("America/New_York", [2024, 11, 3, 1, 30, 0], 1_730_611_800),  // overlap: the earlier (EDT)
        ("America/New_York", [2024, 11, 3, 0, 59, 59], 1_730_609_999),
        ("America/New_York", [2024, 11, 3, 2, 0, 0], 1_730_617_200),
        ("America/New_York", [2024, 7, 1, 12, 0, 0], 1_719_849_600),
        ("CET-01CEST-02,M3.5.0,M10.5.0", [2005, 3, 27, 2, 30, 0], 1_111_887_000),
        ("CET-01CEST-02,M3.5.0,M10.5.0", [2005, 10, 30, 2, 30, 0], 1_130_635_800),
        // Ambiguous; Python's answer after a summer-time mktime call (after a winter one: 1_130_632_200).
        ("CET-01CEST-02,M3.5.0,M10.5.0", [2005, 10, 30, 1, 30, 0], 1_130_628_600),
        ("CET-01CEST-02,M3.5.0,M10.5.0", [2005, 8, 14, 12, 0, 0], 1_124_013_600),
    ])
    func localTimeToUTCAsPythonMktime(zone: String, civil: [Int], expected: Int64) throws {
        let rules = try TimeZoneRules(identifier: zone)
        let got = rules.utcSeconds(
            year: civil[0],
            month: civil[1],
            day: civil[2],
            hour: civil[3],
            minute: civil[4],
            second: civil[5]
        )
        #expect(got == expected)
    }

    @Test func offsetsAtInstants() throws {
        let berlin = try TimeZoneRules(identifier: "Europe/Berlin")
        #expect(berlin.identifier == "Europe/Berlin")
        #expect(berlin.offset(atUTC: 1_711_846_799) == 3600)  // 2024-03-31T00:59:59Z
        #expect(berlin.offset(atUTC: 1_711_846_800) == 7200)  // 01:00:00Z, CEST starts
        #expect(berlin.offset(atUTC: 1_729_990_799) == 7200)
        #expect(berlin.offset(atUTC: 1_729_990_800) == 3600)
        // Past the table (the POSIX footer): 2100-07-01 and 2100-01-01.
        #expect(berlin.offset(atUTC: 4_118_083_200) == 7200)
        #expect(berlin.offset(atUTC: 4_102_444_800) == 3600)
        // Before 1893 Berlin used local mean time (+0:53:28).
        #expect(berlin.offset(atUTC: -3_000_000_000) == 3208)
        let kolkata = try TimeZoneRules(identifier: "Asia/Kolkata")
        #expect(kolkata.offset(atUTC: 1_705_312_800) == 19_800)
        #expect(TimeZoneRules.utc.offset(atUTC: 1_705_312_800) == 0)
    }

    @Test func footerRuleAgreesWithTheTable() throws {
        // For years covered by both, the POSIX rule alone must give the table's offsets.
        for name in ["Europe/Berlin", "America/New_York", "Australia/Sydney"] {
            let zone = try TimeZoneRules(identifier: name)
            let rule = try #require(zone.rule)
            for t in stride(from: Int64(1_420_070_400), to: 1_735_689_600, by: 3_599 * 7) {  // 2015...2024
                #expect(rule.offset(atUTC: t) == zone.offset(atUTC: t), "\(name) at \(t)")
            }
        }
    }

    @Test func unknownZoneErrorNamesIt() {
        #expect(throws: TimeZoneError.unknownZone("Mars/Olympus_Mons")) {
            try TimeZoneRules(identifier: "Mars/Olympus_Mons")
        }
        #expect(throws: TimeZoneError.unknownZone("../etc/passwd")) { try TimeZoneRules(identifier: "../etc/passwd") }
        #expect(throws: TimeZoneError.unknownZone("")) { try TimeZoneRules(identifier: "") }
        #expect(TimeZoneError.unknownZone("Mars/Olympus_Mons").description.contains("'Mars/Olympus_Mons'"))
    }

    @Test func posixRuleZones() throws {
        let us = try TimeZoneRules(identifier: "EST5EDT,M3.2.0,M11.1.0")
        #expect(us.offset(atUTC: 1_719_849_600) == -14_400)
        #expect(us.offset(atUTC: 1_705_312_800) == -18_000)
        let fixed = try TimeZoneRules(identifier: "<+0530>-5:30")
        #expect(fixed.offset(atUTC: 0) == 19_800)
        // Southern hemisphere: daylight time spans New Year.
        let sydney = try TimeZoneRules(identifier: "AEST-10AEDT,M10.1.0,M4.1.0/3")
        #expect(sydney.offset(atUTC: 1_705_312_800) == 39_600)
        #expect(sydney.offset(atUTC: 1_719_849_600) == 36_000)
    }

    @Test func systemZoneLoads() {
        let zone = TimeZoneRules.system()
        #expect(!zone.identifier.isEmpty)
        #expect(abs(zone.offset(atUTC: 1_705_312_800)) < 86_400)
    }
}
