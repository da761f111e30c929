// `jailbird-bench simulate`: the jail simulator in process, on an event store built directly
// (no log text), timed with the wall clock and measured for memory.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

/// The synthetic attack mix: which kinds of attacker an IP is, and how its failures come.
struct AttackerMix {
    /// Share of IPs that brute-force hard (bursts of hundreds of failures, 1–3 s apart).
    static let heavyShare = 0.02
    /// Share of IPs that try slowly (a failure every 1–15 minutes, in runs of 5–30).
    static let slowShare = 0.18
    // The rest are scanners: 1–4 failures within seconds, once.

    enum Kind: UInt8 { case heavy, slow, scanner }
}

/// One IP's generator: emits its failures in time order, burst after burst.
struct AttackerState {
    var kind: AttackerMix.Kind
    var remaining: Int
    var leftInBurst: Int
    var next: Int64
    /// Mean pause between bursts (seconds), so the IP's activity spreads to the end of the window.
    var meanPause: Int64
    var rule: Rule
    var user: String?
}

/// Builds an event store of `events` Asterisk failures from `ips` addresses over `days` days,
/// in time order (one log file), as a scan of a busy PBX's log would give. The failures are
/// merged from the IPs' generators through a min-heap, so building needs O(ips) memory beside
/// the store itself (which keeps the peak RSS before the simulation close to the store's size).
func buildAttackStore(events: Int, ips: Int, days: Int, seed: UInt64, start: Int64) -> EventStore {
    var rng = SplitMix64(seed: seed)
    let window = Int64(days) * 86_400
    let extensions = (100..<200).map(String.init) + ["admin", "1000", "6001", "test", "sip"]
    let rules: [Rule] = [.asteriskSecurityEvent, .asteriskRegistrationFailed, .asteriskRejectingUnknown]

    // Classes and relative weights; scanners get a fixed 1–4 failures, the rest share the remainder.
    var kinds = [AttackerMix.Kind](repeating: .scanner, count: ips)
    var counts = [Int](repeating: 0, count: ips)
    var weights = [Double](repeating: 0, count: ips)
    var scannerTotal = 0
    for ip in 0..<ips {
        let u = rng.unit()
        if u < AttackerMix.heavyShare {
            kinds[ip] = .heavy
            weights[ip] = Double(rng.int(1000...6000))
        } else if u < AttackerMix.heavyShare + AttackerMix.slowShare {
            kinds[ip] = .slow
            weights[ip] = Double(rng.int(20...300))
        } else {
            counts[ip] = rng.int(1...4)
            scannerTotal += counts[ip]
        }
    }
    let rest = max(0, events - scannerTotal)
    let weightSum = weights.reduce(0, +)
    var assigned = 0
    var lastWeighted = -1
    for ip in 0..<ips where weights[ip] > 0 {
        counts[ip] = max(1, Int(Double(rest) * weights[ip] / weightSum))
        assigned += counts[ip]
        lastWeighted = ip
    }
    // Rounding: the last heavy/slow IP absorbs the difference; trim scanners if events < scanners.
    if lastWeighted >= 0 { counts[lastWeighted] = max(1, counts[lastWeighted] + rest - assigned) }
    var total = counts.reduce(0, +)
    var ip = 0
    while total > events && ip < ips {
        let cut = min(counts[ip] - (counts[ip] > 0 ? 1 : 0), total - events)
        counts[ip] -= cut
        total -= cut
        ip += 1
    }

    var states: [AttackerState] = []
    states.reserveCapacity(ips)
    var heap = MinHeap(capacity: ips, base: start)
    var addresses = Set<UInt32>()
    var hosts: [EventHost] = []
    hosts.reserveCapacity(ips)
    for ip in 0..<ips {
        // 5 % IPv6 (a /64 per attacker), the rest distinct public IPv4 addresses.
        if rng.chance(0.05) {
            hosts.append(.address(IPAddress(high: 0x2001_0db8_0000_0000 | UInt64(ip), low: rng.next() | 1)))
        } else {
            var v4 = randomPublicIPv4(&rng)
            while !addresses.insert(v4).inserted { v4 = randomPublicIPv4(&rng) }
            hosts.append(.address(IPAddress(ipv4: v4)))
        }
        let kind = kinds[ip]
        let first = Int64(rng.unit() * Double(window) * (kind == .scanner ? 1 : 0.8))
        let burstMean: Int
        switch kind {
        case .heavy: burstMean = 275
        case .slow: burstMean = 17
        case .scanner: burstMean = 4
        }
        let bursts = max(1, counts[ip] / burstMean)
        let state = AttackerState(
            kind: kind, remaining: counts[ip], leftInBurst: 0, next: start + first,
            meanPause: max(1, (window - first) / Int64(bursts)), rule: rules[rng.below(rules.count)],
            user: rng.chance(0.9) ? extensions[rng.below(extensions.count)] : nil)
        states.append(state)
        if counts[ip] > 0 { heap.push(time: state.next, ip: UInt32(ip)) }
    }

    var store = EventStore()
    store.reserveCapacity(events)
    var line = 0
    while let (time, index) = heap.pop() {
        let ip = Int(index)
        line += 1
        store.append(
            time: time, host: hosts[ip], service: .asterisk, kind: .failure, rule: states[ip].rule,
            user: states[ip].user, jail: nil, file: 0, line: line)
        states[ip].remaining -= 1
        guard states[ip].remaining > 0 else { continue }
        if states[ip].leftInBurst > 0 {
            states[ip].leftInBurst -= 1
            switch states[ip].kind {
            case .heavy: states[ip].next += Int64(rng.int(1...3))
            case .slow: states[ip].next += Int64(rng.int(60...900))
            case .scanner: states[ip].next += Int64(rng.int(0...5))
            }
        } else {
            // A new burst after a pause (scanners come once: their single burst holds everything).
            switch states[ip].kind {
            case .heavy: states[ip].leftInBurst = rng.int(50...500)
            case .slow: states[ip].leftInBurst = rng.int(5...30)
            case .scanner: states[ip].leftInBurst = states[ip].remaining
            }
            let pause = states[ip].kind == .scanner ? 0 : Int64(rng.unit() * 2 * Double(states[ip].meanPause))
            states[ip].next += max(1, pause)
        }
        heap.push(time: states[ip].next, ip: index)
    }
    return store
}

/// A binary min-heap of (time, ip), packed in one UInt64 so ties go to the lower ip.
struct MinHeap {
    private var items: [UInt64] = []
    private let base: Int64

    /// Times are kept relative to `base`: they must be in base..<base + 2^32 s.
    init(capacity: Int, base: Int64) {
        items.reserveCapacity(capacity)
        self.base = base
    }

    mutating func push(time: Int64, ip: UInt32) {
        items.append(UInt64(time - base) << 32 | UInt64(ip))
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if items[parent] <= items[child] { break }
            items.swapAt(parent, child)
            child = parent
        }
    }

    mutating func pop() -> (time: Int64, ip: UInt32)? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                if left >= items.count { break }
                let right = left + 1
                let child = right < items.count && items[right] < items[left] ? right : left
                if items[parent] <= items[child] { break }
                items.swapAt(parent, child)
                parent = child
            }
        }
        return (Int64(top >> 32) + base, UInt32(truncatingIfNeeded: top))
    }
}

// MARK: - Measuring

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// CPU time of the whole process (all threads) so far: unlike the wall clock, it does not grow
/// while other processes have the core.
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Peak resident set size of the process so far (getrusage), in bytes.
func peakRSSBytes() -> Int {
    var usage = rusage()
    #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
        getrusage(RUSAGE_SELF, &usage)
    #endif
    return Int(usage.ru_maxrss) * 1024
}

/// Current resident set size (/proc/self/statm), in bytes; 0 when unavailable.
func currentRSSBytes() -> Int {
    guard let text = readSmallFile("/proc/self/statm") else { return 0 }
    let fields = text.split(separator: " ")
    guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// The bytes the store's columns and host table hold (capacity × stride); the intern tables'
/// hash indexes are not visible and not counted (the RSS figure includes them).
func storeBytes(_ store: EventStore) -> Int {
    func bytes<T>(_ array: [T]) -> Int { array.capacity * MemoryLayout<T>.stride }
    return bytes(store.times) + bytes(store.hostIDs) + bytes(store.services) + bytes(store.kinds)
        + bytes(store.rules) + bytes(store.userIDs) + bytes(store.jailIDs) + bytes(store.files)
        + bytes(store.lines) + bytes(store.hosts)
}

func resultBytes(_ result: SimulationResult) -> Int {
    result.bans.capacity * MemoryLayout<SimulatedBan>.stride
        + result.totals.reduce(0) { $0 + $1.secondsToFirstBan.capacity * 8 }
}

// MARK: - The benchmark

struct SimulateBench {
    var events: Int
    var ips: Int
    var days: Int
    var seed: UInt64
    var whileBanned: WhileBanned
    var repeats: Int

    private func mb(_ bytes: Int) -> String { fixed(Double(bytes) / 1_048_576, 1) + " MiB" }
    private func perEvent(_ bytes: Int) -> String { fixed(Double(bytes) / Double(max(1, events)), 2) }

    /// The best (lowest) wall time and CPU time of `repeats` runs of `body`, and its last result.
    private func best<T>(_ body: () -> T) -> (seconds: Double, cpu: Double, value: T) {
        var bestTime = Double.infinity
        var bestCPU = Double.infinity
        var value: T?
        for _ in 0..<max(1, repeats) {
            value = nil  // free the previous result before the next run
            let t0 = monotonicSeconds()
            let c0 = processCPUSeconds()
            let v = body()
            bestCPU = min(bestCPU, processCPUSeconds() - c0)
            bestTime = min(bestTime, monotonicSeconds() - t0)
            value = v
        }
        return (bestTime, bestCPU, value!)
    }

    func run() {
        let cores = Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        say("jailbird-bench simulate: \(events) events over \(ips) IPs, \(days) days, seed \(seed), "
            + "--while-banned \(whileBanned.rawValue), best of \(repeats), \(cores) cores online")
        guard let start = parseUTC("2024-01-15T00:00:00") else { fatal("bad start") }
        let rssBeforeStore = currentRSSBytes()
        let t0 = monotonicSeconds()
        let store = buildAttackStore(events: events, ips: ips, days: days, seed: seed, start: start)
        let buildSeconds = monotonicSeconds() - t0
        let storeComputed = storeBytes(store)
        let storeRSS = currentRSSBytes() - rssBeforeStore
        say("event store: built in \(fixed(buildSeconds, 2)) s, \(store.hosts.count) hosts; "
            + "columns \(mb(storeComputed)) = \(perEvent(storeComputed)) B/event, RSS growth \(mb(storeRSS)) = "
            + "\(perEvent(storeRSS)) B/event")

        let last = store.times.last ?? start
        let asterisk = JailParameters(
            name: "asterisk", filter: .asterisk, maxRetry: 5, findTime: 600, banTime: 3600)
        var incremented = asterisk
        incremented.increment = BanTimeIncrement()
        let recidive = JailParameters(
            name: "recidive", filter: .recidive(jailName: "recidive"), maxRetry: 5, findTime: 86_400,
            banTime: 604_800)
        let configurations: [(name: String, jails: [JailParameters])] = [
            ("asterisk", [asterisk]),
            ("asterisk+increment, recidive", [incremented, recidive]),
        ]

        var rows: [[String]] = []
        var targetsMet = true
        for configuration in configurations {
            let input = SimulationInput(
                jails: configuration.jails, events: store, streamJails: [0], start: store.times.first ?? start,
                end: last)
            let peakBefore = peakRSSBytes()
            let rssBefore = currentRSSBytes()
            let (planSeconds, planCPU, plan) = best { SimulationPlan(store) }
            let options = { (workers: Int?) in
                SimulationOptions(whileBanned: self.whileBanned, workers: workers)
            }
            let (oneSeconds, oneCPU, oneResult) = best { JailSimulator.simulate(input, plan: plan, options: options(1)) }
            let (allSeconds, allCPU, allResult) = best { JailSimulator.simulate(input, plan: plan, options: options(nil)) }
            let peakDelta = max(0, peakRSSBytes() - peakBefore)
            let workingRSS = max(peakDelta, currentRSSBytes() - rssBefore)
            let planComputed = plan.byteCount
            let working = planComputed + resultBytes(oneResult) + resultBytes(allResult)
            if oneResult.bans != allResult.bans { fatal("1 worker and all workers disagree on \(configuration.name)") }
            let totalPerEvent = Double(storeComputed + working) / Double(max(1, events))
            let totalRSSPerEvent = Double(storeRSS + workingRSS) / Double(max(1, events))
            let singleCore = planSeconds + oneSeconds
            targetsMet = targetsMet && singleCore < 1 && max(totalPerEvent, totalRSSPerEvent) < 40
            let bans = oneResult.bans
            rows.append([
                configuration.name, fixed(planSeconds, 3), fixed(oneSeconds, 3), fixed(allSeconds, 3),
                fixed(allCPU, 3), fixed(singleCore, 3), fixed(planCPU + oneCPU, 3), String(bans.count),
                String(oneResult.totals.reduce(0) { $0 + $1.counted }),
                String(oneResult.totals.reduce(0) { $0 + $1.prevented }),
                perEvent(working), perEvent(peakDelta), fixed(totalPerEvent, 2), fixed(totalRSSPerEvent, 2),
            ])
        }
        let header = [
            "configuration", "plan s", "1 worker s", "all cores s", "all cores CPU s", "plan+1w s", "plan+1w CPU s", "bans", "counted", "prevented",
            "sim B/ev", "peak Δ B/ev", "total B/ev", "total RSS B/ev",
        ]
        let widths = header.indices.map { column in
            (rows.map { $0[column] } + [header[column]]).map(\.count).max()!
        }
        say("")
        say(header.indices.map { pad(header[$0], widths[$0], right: $0 > 0) }.joined(separator: "  "))
        for row in rows {
            say(row.indices.map { pad(row[$0], widths[$0], right: $0 > 0) }.joined(separator: "  "))
        }
        say("""

            plan s: building the SimulationPlan (grouping failures by host) once; 1 worker s / all cores s: the
            replay with the plan given (SimulationOptions.workers 1 / nil); plan+1w s: the whole simulation on one
            core, and its CPU time (CLOCK_PROCESS_CPUTIME_ID: it does not count time other processes hold
            the core). sim B/ev: computed working memory (the plan's arrays plus both results' bans); peak Δ B/ev: the
            growth of the process's peak RSS (getrusage) over plan + both replays; total B/ev: store columns +
            computed working memory; total RSS B/ev: store RSS growth + max(peak Δ, RSS growth).
            targets: plan+1w < 1 s for 10M events on one core; total < 40 B/event \
            -> \(targetsMet ? "met" : "NOT met")
            """)
    }
}

/// `--while-banned` as text (main.swift does not import the library).
enum WhileBannedChoice: String {
    case prevented, counted

    var value: WhileBanned { self == .prevented ? .prevented : .counted }
}
