/// One source of log lines: a phone call, a brute-forcer, a scanner, background noise. Each slot of a
/// generator keeps its category for ever; when its campaign ends, the slot goes idle and later starts a new
/// campaign of the same category with a fresh address.
struct Actor {
    /// Fixed per slot; the meaning depends on the generator.
    var category: Int
    /// Mean idle time between two campaigns of this slot.
    var idleMeanMs: Double
    var active = false
    var step = 0
    var next: Int64 = 0
    var remaining = 0
    var peer = Peer(ip: [], isV6: false)
    var thread = 0
    var port = 0
    var shape = 0
    var counter = 0
    var gapMeanMs: Double = 1000
    var channel: UInt64 = 0
    var user: [UInt8] = []
    var extra: [UInt8] = []

    init(category: Int, idleMeanMs: Double) {
        self.category = category
        self.idleMeanMs = idleMeanMs
    }

    /// Ends the campaign; the slot wakes again after an idle gap.
    mutating func finish(now: Int64, rng: inout SplitMix64) {
        active = false
        step = 0
        next = now + rng.expDelay(meanMs: idleMeanMs)
    }
}

/// Index of the actor that fires next (ties: lowest index, so output is deterministic).
@inline(__always)
func nextActor(_ actors: [Actor]) -> Int {
    var best = 0
    var bestTime = actors[0].next
    for i in 1..<actors.count where actors[i].next < bestTime {
        best = i
        bestTime = actors[i].next
    }
    return best
}

/// Gives every slot its first wake-up: a quarter of its idle time (at most ten minutes) from now.
func scheduleFirstCampaigns(_ actors: inout [Actor], now: Int64, rng: inout SplitMix64) {
    for i in actors.indices {
        actors[i].next = now + rng.expDelay(meanMs: min(actors[i].idleMeanMs, 600_000) / 4)
    }
}

/// A generator driven only by its actors: the actor due next fires, until enough bytes are written.
protocol ActorDrivenLog {
    var actors: [Actor] { get set }
    var now: Int64 { get set }
    var ts: Timestamps { get set }
    /// Writes the next line(s) of `actor`'s campaign and schedules its next step.
    mutating func fire(_ actor: inout Actor, _ w: ByteWriter)
}

extension ActorDrivenLog {
    mutating func run(into w: ByteWriter, limit: Int) {
        while w.totalBytes < limit {
            let i = nextActor(actors)
            now = actors[i].next
            ts.set(ms: now)
            var actor = actors[i]        // a copy: fire() also mutates self
            fire(&actor, w)
            actors[i] = actor
        }
    }
}

/// Options shared by all generators.
struct GeneratorOptions {
    var bytes: Int
    var seed: UInt64
    /// Epoch milliseconds of the first line.
    var startMs: Int64
    /// Multiplies every slot's idle time between campaigns: small values pack more campaigns (and
    /// more rare shapes) into few lines, as the differential fixtures want.
    var idleScale: Double = 1
}
