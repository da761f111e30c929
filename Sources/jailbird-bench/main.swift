// jailbird-bench: writes realistic synthetic logs and times jailbird beside cat, zcat, a C zlib line
// counter and fail2ban-regex.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let usage = """
    usage:
      jailbird-bench generate asterisk|auth|fail2ban --bytes N --seed S [--start ISO] [--idle-scale F] --out FILE
      jailbird-bench run [--size-mb 1024] [--auth-mb 100] [--slice-mb 20] [--dir bench-data]
                         [--jailbird PATH] [--skip-fail2ban-regex] [--repeats 3]
      jailbird-bench simulate [--events 10000000] [--ips 100000] [--days 30] [--seed 1] [--repeats 3]
                              [--while-banned prevented|counted]
      jailbird-bench sweep [--events 10000000] [--ips 100000] [--days 30] [--seed 1] [--repeats 3]

    generate  writes a deterministic log of about N bytes (whole lines; N accepts k/M/G suffixes).
              --start is the first line's time, read as UTC (the log's zone-less stamps are UTC).
              --idle-scale F shortens (F < 1) the quiet time between attack campaigns: more shapes per line.
    run       generates (or reuses) bench inputs under --dir and prints the timing table: every tool run
              --repeats times (fastest counts), jailbird also pinned to one core with taskset.
    simulate  builds an event store of Asterisk failures in memory (heavy, slow and scanning attackers) and
              times the jail simulator on it: plan, 1 worker, all cores; memory per event.
              (k/M suffixes there mean powers of 1024: give 10000000, not 10M, for ten million.)
    """

/// `--name value` options and bare words. `-h`/`--help` prints the usage; a name the command
/// does not take is an error (a mistyped option must not be ignored quietly).
struct Arguments {
    var words: [String] = []
    var options: [String: String] = [:]
    var flags: Set<String> = []

    init(_ args: ArraySlice<String>, optionNames: Set<String>, flagNames: Set<String> = []) {
        var it = args.makeIterator()
        while let a = it.next() {
            if a == "-h" || a == "--help" {
                print(usage)
                exit(0)
            }
            if a.hasPrefix("--") {
                let name = String(a.dropFirst(2))
                if flagNames.contains(name) { flags.insert(name); continue }
                guard optionNames.contains(name) else { fatal("unknown option \(a)\n\(usage)") }
                guard let value = it.next() else { fatal("missing value for \(a)\n\(usage)") }
                options[name] = value
            } else {
                words.append(a)
            }
        }
    }

    func int(_ name: String, default value: Int) -> Int {
        guard let text = options[name] else { return value }
        guard let n = parseSize(text) else { fatal("bad number for --\(name): \(text)") }
        return n
    }
}

/// `1000`, `64k`, `100M`, `1G` (powers of 1024).
func parseSize(_ text: String) -> Int? {
    var digits = text
    var factor = 1
    switch text.last {
    case "k", "K": factor = 1 << 10; digits.removeLast()
    case "m", "M": factor = 1 << 20; digits.removeLast()
    case "g", "G": factor = 1 << 30; digits.removeLast()
    default: break
    }
    guard let n = Int(digits), n >= 0 else { return nil }
    return n * factor
}

enum LogKind: String {
    case asterisk, auth, fail2ban

    /// Default first-line times: winter for the Asterisk log; auth.log and fail2ban.log in spring.
    var defaultStart: String {
        switch self {
        case .asterisk: return "2024-01-15T00:00:00"
        case .auth: return "2024-03-10T00:00:00"
        case .fail2ban: return "2024-03-10T00:00:00"
        }
    }
}

/// Writes one generated log of `kind` to `path`.
func generate(kind: LogKind, bytes: Int, seed: UInt64, start: String?, idleScale: Double = 1, path: String) {
    guard let startSeconds = parseUTC(start ?? kind.defaultStart) else { fatal("bad --start: \(start ?? "")") }
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd < 0 { fatal("cannot open \(path): errno \(errno)") }
    let writer = ByteWriter(fd: fd)
    let options = GeneratorOptions(bytes: bytes, seed: seed, startMs: startSeconds * 1000, idleScale: idleScale)
    switch kind {
    case .asterisk:
        var g = AsteriskGenerator(options: options)
        g.run(into: writer, limit: bytes)
    case .auth:
        var g = AuthGenerator(options: options)
        g.run(into: writer, limit: bytes)
    case .fail2ban:
        var g = Fail2banGenerator(options: options)
        g.run(into: writer, limit: bytes)
    }
    writer.flush()
    close(fd)
}

let argv = CommandLine.arguments
guard argv.count >= 2 else { fatal(usage) }
switch argv[1] {
case "generate":
    let args = Arguments(argv.dropFirst(2), optionNames: ["bytes", "seed", "start", "idle-scale", "out"])
    guard args.words.count == 1, let kind = LogKind(rawValue: args.words[0]) else { fatal(usage) }
    guard let out = args.options["out"] else { fatal("--out is required\n\(usage)") }
    let bytes = args.int("bytes", default: 1 << 20)
    guard let seed = UInt64(args.options["seed"] ?? "1") else { fatal("bad --seed") }
    guard let idleScale = Double(args.options["idle-scale"] ?? "1"), idleScale > 0 else { fatal("bad --idle-scale") }
    generate(kind: kind, bytes: bytes, seed: seed, start: args.options["start"], idleScale: idleScale, path: out)
case "run":
    let args = Arguments(
        argv.dropFirst(2), optionNames: ["size-mb", "auth-mb", "slice-mb", "dir", "jailbird", "repeats"],
        flagNames: ["skip-fail2ban-regex"])
    var bench = Bench(
        sizeMB: args.int("size-mb", default: 1024),
        authMB: args.int("auth-mb", default: 100),
        sliceMB: args.int("slice-mb", default: 20),
        dir: args.options["dir"] ?? "bench-data",
        jailbird: args.options["jailbird"] ?? ".build/release/jailbird",
        runFail2banRegex: !args.flags.contains("skip-fail2ban-regex"),
        repeats: args.int("repeats", default: 3))
    bench.run()
case "simulate":
    let args = Arguments(argv.dropFirst(2), optionNames: ["events", "ips", "days", "seed", "repeats", "while-banned"])
    guard args.words.isEmpty else { fatal(usage) }
    guard let seed = UInt64(args.options["seed"] ?? "1") else { fatal("bad --seed") }
    guard let whileBanned = WhileBannedChoice(rawValue: args.options["while-banned"] ?? "prevented") else {
        fatal("bad --while-banned")
    }
    let bench = SimulateBench(
        events: args.int("events", default: 10_000_000), ips: max(1, args.int("ips", default: 100_000)),
        days: max(1, args.int("days", default: 30)), seed: seed, whileBanned: whileBanned.value,
        repeats: max(1, args.int("repeats", default: 3)))
    bench.run()
case "sweep":
    let args = Arguments(argv.dropFirst(2), optionNames: ["events", "ips", "days", "seed", "repeats"])
    guard let seed = UInt64(args.options["seed"] ?? "1") else { fatal("bad --seed") }
    SweepBench(
        events: args.int("events", default: 10_000_000), ips: max(1, args.int("ips", default: 100_000)),
        days: max(1, args.int("days", default: 30)), seed: seed, repeats: max(1, args.int("repeats", default: 3))
    ).run()
case "-h", "--help", "help":
    print(usage)
default:
    fatal(usage)
}
