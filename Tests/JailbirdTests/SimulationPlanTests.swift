import Testing
@testable import Jailbird

/// The simulator's result does not depend on how it is run: with a plan built by the caller
/// (and reused for other jail settings) or by `simulate` itself, on one worker or several, for
/// all hosts or one traced host. Checked on fixture runs of SimulationDifferentialTests (the
/// generated ones have hundreds of IPs; the server ones several jails and recidive).
@Suite struct SimulationPlanTests {
    static let runNames = ["large-asterisk", "large-server", "server-multi-f2blog", "overall"]

    static func input(_ name: String) throws -> (SimulationInput, SimulationOptions) {
        let run = try #require(SimulationDifferentialTests.runs.first { $0.name == name }, "no run \(name)")
        return try SimulationDifferentialTests.jailbirdInput(run)
    }

    /// Bans and totals, the parts of a result that can be compared.
    static func expectSame(_ lhs: SimulationResult, _ rhs: SimulationResult, _ what: String) {
        #expect(lhs.bans == rhs.bans, "\(what): bans differ")
        #expect(lhs.totals == rhs.totals, "\(what): totals differ")
    }

    @Test(arguments: runNames)
    func aReusedPlanGivesTheSameResult(_ name: String) throws {
        let (input, options) = try Self.input(name)
        let plan = SimulationPlan(input.events)
        let plain = JailSimulator.simulate(input, options: options)
        try #require(!plain.bans.isEmpty, "\(name): no bans, nothing compared")
        Self.expectSame(JailSimulator.simulate(input, plan: plan, options: options), plain, "\(name) with plan")

        // The same plan under other jail settings (as a parameter sweep uses it).
        var other = input
        for jail in other.jails.indices {
            other.jails[jail].maxRetry += 1
            other.jails[jail].findTime *= 2
        }
        let fresh = JailSimulator.simulate(other, options: options)
        #expect(fresh.bans != plain.bans, "\(name): other settings should change the bans")
        Self.expectSame(JailSimulator.simulate(other, plan: plan, options: options), fresh, "\(name) reused plan")
    }

    @Test(arguments: runNames)
    func workerCountDoesNotChangeTheResult(_ name: String) throws {
        let (input, counted) = try Self.input(name)
        let plan = SimulationPlan(input.events)
        try #require(plan.hostCount > 1, "\(name): too few hosts to spread over workers")
        for whileBanned in WhileBanned.allCases {
            var options = counted
            options.whileBanned = whileBanned
            options.workers = 1
            let single = JailSimulator.simulate(input, plan: plan, options: options)
            try #require(!single.bans.isEmpty)
            for workers in [2, 3, 8] {
                options.workers = workers
                Self.expectSame(
                    JailSimulator.simulate(input, plan: plan, options: options), single,
                    "\(name) \(whileBanned) with \(workers) workers")
            }
        }
    }

    /// Tracing replays one host: its bans are the full run's bans of that host, and the trace's
    /// ban indices point at them.
    @Test(arguments: runNames)
    func aTracedHostHasItsBansOfTheFullRun(_ name: String) throws {
        let (input, options) = try Self.input(name)
        let full = JailSimulator.simulate(input, options: options)
        let host = try #require(full.bans.last?.host)
        let traced = JailSimulator.simulate(input, plan: SimulationPlan(input.events), options: options, traceHost: host)
        let trace = try #require(traced.trace)
        let summary = { (ban: SimulatedBan) in [Double(ban.jail), Double(ban.start), ban.banTime, Double(ban.count)] }
        #expect(traced.bans.map(summary) == full.bans.filter { $0.host == host }.map(summary))
        var banSteps = 0
        for step in trace {
            if case .banned(let index) = step.action {
                banSteps += 1
                #expect(traced.bans[index].jail == step.jail)
            }
        }
        #expect(banSteps == traced.bans.count)
    }

    /// A host whose failures are spread over two streams (the store holds one stream after the
    /// other) is replayed in time order, ties in store order.
    @Test func failuresAcrossStreamsAreReplayedInTimeOrder() {
        var events = EventStore()
        let attacker = EventHost.address(IPAddress("198.51.100.7")!)
        let other = EventHost.address(IPAddress("203.0.113.9")!)
        let streams: [[(Int64, EventHost)]] = [
            [(100, attacker), (130, other), (400, attacker), (400, other), (700, attacker)],
            [(50, other), (250, attacker), (400, attacker), (550, attacker)],
        ]
        for (file, stream) in streams.enumerated() {
            for (line, (time, host)) in stream.enumerated() {
                events.append(
                    time: time, host: host, service: .asterisk, kind: .failure, rule: .asteriskSecurityEvent,
                    user: nil, jail: nil, file: file, line: line + 1)
            }
        }
        let jail = JailParameters(name: "asterisk", filter: .asterisk, maxRetry: 100, findTime: 10_000, banTime: 60)
        let input = SimulationInput(jails: [jail], events: events, streamJails: [0, 0], start: 0, end: 1000)
        let host = UInt32(events.hostIDs[0])
        let result = JailSimulator.simulate(input, traceHost: host)
        let counted = (result.trace ?? []).filter {
            if case .counted = $0.action { return true }
            return false
        }
        #expect(counted.map(\.time) == [100, 250, 400, 400, 550, 700])
        // At 400 the first stream's line comes before the second's.
        #expect(counted.compactMap(\.event) == [0, 6, 2, 7, 8, 4])
    }
}
