// `jailbird-bench sweep`: a 27-combination `jailbird sweep` (maxretry 3,5,10 × findtime 10m,1h,1d ×
// bantime 1h,1d,1w) over the synthetic attack store of `jailbird-bench simulate`, in process.
//
// Uses `buildAttackStore` and `monotonicSeconds` from SimulateBench.swift.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

struct SweepBench {
    var events: Int
    var ips: Int
    var days: Int
    var seed: UInt64
    var repeats: Int

    func run() {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        say("jailbird-bench sweep: \(events) events over \(ips) IPs, \(days) days, seed \(seed), best of \(repeats), "
            + "\(cores) cores online")
        guard let start = parseUTC("2024-01-15T00:00:00") else { fatal("bad start") }
        let t0 = monotonicSeconds()
        let store = buildAttackStore(events: events, ips: ips, days: days, seed: seed, start: start)
        say("event store: built in \(fixed(monotonicSeconds() - t0, 2)) s, \(store.hosts.count) hosts")
        // The current settings (maxretry 5, findtime 10m, bantime 1h) are one of the 27 combinations.
        let input = SimulationInput(
            jails: [JailParameters(name: "asterisk", filter: .asterisk, maxRetry: 5, findTime: 600, banTime: 3600)],
            events: store, streamJails: [0], start: store.times.first ?? start, end: store.times.last ?? start)
        let settings = SweepSetting.grid(
            maxRetry: [3, 5, 10], findTime: [600, 3600, 86_400], banTime: [3600, 86_400, 604_800], increment: [false])
        let trusted = try! IgnoreList(parsing: "10.0.0.0/8 192.0.2.0/24")
        var bestTime = Double.infinity
        var result: SweepResult?
        for _ in 0..<repeats {
            let started = monotonicSeconds()
            result = Sweep.run(input, jail: 0, settings: settings, includeCurrent: true, trusted: trusted)
            bestTime = min(bestTime, monotonicSeconds() - started)
        }
        let rows = result!.rows.count
        let rate = Double(store.count) * Double(rows) / bestTime
        say("sweep: \(rows) combinations in \(fixed(bestTime, 3)) s (\(fixed(rate / 1e6, 1)) M event-replays/s)")
        let recommended = result!.recommended.map { result!.rows[$0].setting.description } ?? "none"
        say("recommended: \(recommended)")
        say("target: 27 combinations over 10M events < 3 s on 2 cores -> \(bestTime < 3 ? "met" : "NOT met")")
    }
}
