/// The replay of one IP's failures through every jail: fail2ban's fail ticket (rate-estimating
/// counter), ban list, bantime.increment database and recidive, for that IP only. Reused for
/// many IPs by one worker: `run` resets the per-IP state.
struct IPReplay {
    struct Output {
        var bans: [SimulatedBan] = []
        var totals: [JailTotals]
        var trace: [TraceStep] = []

        init(jailCount: Int) {
            totals = [JailTotals](repeating: JailTotals(), count: jailCount)
        }
    }

    /// fail2ban's FailTicket for this IP in one jail.
    struct Ticket {
        var retry: Double
        var first: Double
        var last: Double
        var failures: Int
        var event: Int?
        var triggerBan: Int?
    }

    /// The bantime.increment database row (`bips`) of this IP in one jail: its latest ban.
    struct Row {
        var timeOfBan: Int64
        var banTime: Double
        var banCount: Int
    }

    let input: SimulationInput
    let options: SimulationOptions
    let tracing: Bool
    private(set) var output: Output

    private var tickets: [Ticket?]
    /// Index in `output.bans` of each jail's running ban.
    private var activeBans: [Int?]
    private var rows: [Row?]
    /// Per jail: this IP's first counted failure and whether it was banned yet.
    private var firstCounted: [Int64?]
    private var everBanned: [Bool]
    private var host: UInt32 = 0
    private var address = IPAddress(ipv4: 0)
    /// How many bans this IP got so far (seeds bantime.rndtime).
    private var banOrdinal: UInt64 = 0
    private let recidiveJails: [Int]
    /// Recidive jails without a log: they count the simulated bans.
    private let fedRecidiveJails: [Int]

    init(input: SimulationInput, options: SimulationOptions, tracing: Bool) {
        self.input = input
        self.options = options
        self.tracing = tracing
        output = Output(jailCount: input.jails.count)
        tickets = [Ticket?](repeating: nil, count: input.jails.count)
        activeBans = [Int?](repeating: nil, count: input.jails.count)
        rows = [Row?](repeating: nil, count: input.jails.count)
        firstCounted = [Int64?](repeating: nil, count: input.jails.count)
        everBanned = [Bool](repeating: false, count: input.jails.count)
        recidiveJails = input.jails.indices.filter { input.jails[$0].isRecidive }
        fedRecidiveJails = recidiveJails.filter { !input.streamJails.contains($0) }
    }

    mutating func run(group: ArraySlice<UInt32>, host: UInt32) {
        for jail in input.jails.indices {
            tickets[jail] = nil
            activeBans[jail] = nil
            rows[jail] = nil
            firstCounted[jail] = nil
            everBanned[jail] = false
        }
        banOrdinal = 0
        self.host = host
        let events = input.events
        guard case .address(let address) = events.hosts[Int(host)] else {
            for index in group {
                output.totals[input.streamJails[Int(events.files[Int(index)])]].unresolved += 1
            }
            return
        }
        self.address = address
        for index in group {
            let event = Int(index)
            let time = events.times[event]
            if time > input.end { break }
            advance(to: time)
            failure(jail: input.streamJails[Int(events.files[event])], time: time, event: event, triggerBan: nil)
        }
        advance(to: input.end)
        for jail in input.jails.indices where firstCounted[jail] != nil {
            output.totals[jail].attackers += 1
            if !everBanned[jail] { output.totals[jail].neverBanned += 1 }
        }
    }

    // MARK: - Time

    /// Unbans every ban that ended before `time` (fail2ban unbans when now > end of ban).
    private mutating func advance(to time: Int64) {
        let now = Double(time)
        for jail in activeBans.indices {
            guard let index = activeBans[jail], let end = output.bans[index].end, end < now else { continue }
            activeBans[jail] = nil
            note(end, jail, nil, .unbanned(ban: index))
        }
    }

    /// The jail's database row as of `time`, after the hourly purges up to then (rows are
    /// deleted at the first purge when timeofban < purge − dbpurgeage and
    /// timeofban + 3·bantime < purge − dbpurgeage; permanent bans are kept).
    private mutating func liveRow(_ jail: Int, at time: Int64) -> Row? {
        guard let row = rows[jail] else { return nil }
        let hours = (time - input.start) / 3600
        guard hours >= 1 else { return row }
        let cutoff = input.start + hours * 3600 - options.dbPurgeAge
        if row.timeOfBan < cutoff && row.banTime != -1 && Double(row.timeOfBan) + row.banTime * 3 < Double(cutoff) {
            rows[jail] = nil
            note(Double(time), jail, nil, .historyPurged)
            return nil
        }
        return row
    }

    // MARK: - Failures

    /// The jail whose running ban blocks this IP for `jail` (its own, else any recidive jail).
    private func blockingJail(for jail: Int) -> Int? {
        if activeBans[jail] != nil { return jail }
        return recidiveJails.first { activeBans[$0] != nil }
    }

    private mutating func failure(jail: Int, time: Int64, event: Int?, triggerBan: Int?) {
        let parameters = input.jails[jail]
        let now = Double(time)
        if parameters.ignore.contains(address) {
            output.totals[jail].ignored += 1
            note(now, jail, event, .ignored)
            return
        }
        if !parameters.isRecidive, let blocker = blockingJail(for: jail) {
            output.totals[jail].duringBan += 1
            if options.whileBanned == .prevented {
                output.totals[jail].prevented += 1
                note(now, jail, event, .prevented(bannedBy: blocker))
                return
            }
        }
        output.totals[jail].counted += 1
        if firstCounted[jail] == nil { firstCounted[jail] = time }
        // A ticket whose last failure is findtime or more ago is gone (fail2ban's cleanup).
        if let ticket = tickets[jail], ticket.last <= now - parameters.findTime {
            tickets[jail] = nil
            note(now, jail, event, .staleTicketDropped(lastFailure: ticket.last))
        }
        if var ticket = tickets[jail] {
            if now > ticket.last {
                if ticket.first < now - parameters.findTime {
                    // The rate estimate: r failures over (now − first) scaled to findtime,
                    // in this order of operations, rounded half to even like Python's round.
                    let before = ticket.retry
                    ticket.retry = (ticket.retry / (now - ticket.first) * parameters.findTime).rounded(.toNearestOrEven)
                    note(now, jail, event, .rescaled(from: before, to: ticket.retry, span: now - ticket.first))
                    ticket.first = now - parameters.findTime
                }
                ticket.last = now
            }
            ticket.retry += 1
            ticket.failures += 1
            ticket.event = event
            ticket.triggerBan = triggerBan
            tickets[jail] = ticket
        } else {
            tickets[jail] = Ticket(retry: 1, first: now, last: now, failures: 1, event: event, triggerBan: triggerBan)
        }
        note(now, jail, event, .counted(retry: tickets[jail]!.retry, windowStart: tickets[jail]!.first))
        if tickets[jail]!.retry >= Double(parameters.maxRetry) {
            let ticket = tickets[jail]!
            tickets[jail] = nil
            ban(jail: jail, ticket: ticket, time: time)
        }
        // bantime.increment: a known bad IP's failure counts more (ObserverThread.failureFound).
        if parameters.increment != nil, let row = liveRow(jail, at: time) {
            let boost = min(Double(1 << min(row.banCount, 20)) / 2 + 1, Double(parameters.maxRetry))
            if time > row.timeOfBan && boost > 1, var ticket = tickets[jail] {
                ticket.retry += boost - 1
                ticket.failures += 1
                tickets[jail] = ticket
                output.totals[jail].boosts += 1
                note(now, jail, event, .boosted(added: boost - 1, retry: ticket.retry))
                if ticket.retry >= Double(parameters.maxRetry) {
                    tickets[jail] = nil
                    ban(jail: jail, ticket: ticket, time: time)
                }
            }
        }
    }

    // MARK: - Bans

    private mutating func ban(jail: Int, ticket: Ticket, time: Int64) {
        let parameters = input.jails[jail]
        let start = Int64(ticket.last)
        let jailBanTime = parameters.banTime
        let end = jailBanTime == -1 ? Double.infinity : Double(start) + Double(jailBanTime)
        if end < Double(time) { return }  // "expired" (bantime below -1)
        if let index = activeBans[jail] {
            // Already banned: the new end may prolong the running ban (BanManager.addBanTicket).
            output.totals[jail].alreadyBanned += 1
            let oldEnd = output.bans[index].end ?? .infinity
            let prolong = end > oldEnd
            if prolong {
                var banTime = Double(jailBanTime)
                if jailBanTime != -1 && start > output.bans[index].start {
                    banTime += Double(start - output.bans[index].start)
                }
                output.bans[index].banTime = banTime
                output.bans[index].prolongations += 1
                output.totals[jail].prolonged += 1
            }
            note(Double(time), jail, ticket.event, .alreadyBanned(ban: index, prolonged: prolong))
            return
        }
        var ban = SimulatedBan(
            jail: jail, host: host, start: start, banTime: Double(jailBanTime), count: 1, failures: ticket.failures,
            retries: ticket.retry, triggerEvent: ticket.event, triggerBan: ticket.triggerBan, prolongations: 0)
        // ObserverThread.banFound: increase by the IP's history, then record this ban.
        if jailBanTime != -1 {
            if let increment = parameters.increment, jailBanTime > 0, let history = history(jail, increment, at: time) {
                if history.count >= ban.count { ban.count = history.count + 1 }
                if history.count > 0 {
                    ban.banTime = increment.banTime(
                        base: jailBanTime, banCount: history.count, random: nextRandom(jail: jail))
                }
            }
        }
        if jailBanTime == -1 || Double(start) + ban.banTime >= Double(time) {
            rows[jail] = Row(timeOfBan: start, banTime: jailBanTime == -1 ? -1 : ban.banTime, banCount: ban.count)
        }
        let index = output.bans.count
        output.bans.append(ban)
        activeBans[jail] = index
        output.totals[jail].bans += 1
        if !everBanned[jail] {
            everBanned[jail] = true
            output.totals[jail].secondsToFirstBan.append(start - (firstCounted[jail] ?? start))
        }
        banOrdinal += 1
        note(Double(time), jail, ticket.event, .banned(ban: index))
        // fail2ban.log gets "[jail] Ban IP", which recidive jails read at once.
        for recidive in fedRecidiveJails where input.jails[recidive].countsBans(of: parameters.name) {
            failure(jail: recidive, time: time, event: nil, triggerBan: index)
        }
    }

    /// The ban history bantime.increment sees: this jail's row, or with `overalljails` the sum
    /// of all jails' ban counts.
    private mutating func history(_ jail: Int, _ increment: BanTimeIncrement, at time: Int64) -> (count: Int, timeOfBan: Int64)? {
        if !increment.overallJails {
            return liveRow(jail, at: time).map { ($0.banCount, $0.timeOfBan) }
        }
        var found: (count: Int, timeOfBan: Int64)?
        for other in rows.indices {
            guard let row = liveRow(other, at: time) else { continue }
            found = ((found?.count ?? 0) + row.banCount, max(found?.timeOfBan ?? .min, row.timeOfBan))
        }
        return found
    }

    /// A deterministic number in [0, 1) for bantime.rndtime, from the seed, the IP, the jail and
    /// how many bans the IP had: the same inputs give the same ban times on any machine.
    private func nextRandom(jail: Int) -> Double {
        var state = options.seed ^ address.high ^ (address.low &* 0x9E37_79B9_7F4A_7C15)
        state ^= UInt64(jail) &* 0xBF58_476D_1CE4_E5B9 ^ banOrdinal &* 0x94D0_49BB_1331_11EB
        // SplitMix64 finaliser.
        state = (state ^ (state >> 30)) &* 0xBF58_476D_1CE4_E5B9
        state = (state ^ (state >> 27)) &* 0x94D0_49BB_1331_11EB
        state ^= state >> 31
        return Double(state >> 11) / Double(UInt64(1) << 53)
    }

    private mutating func note(_ time: Double, _ jail: Int, _ event: Int?, _ action: TraceStep.Action) {
        if tracing { output.trace.append(TraceStep(time: time, jail: jail, event: event, action: action)) }
    }
}
