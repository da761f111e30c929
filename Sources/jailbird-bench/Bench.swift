#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Jailbird

/// One timed run of a child process.
struct Measurement {
    var tool: String
    var input: String
    /// Uncompressed log bytes the tool went through (for .gz inputs: the log inside).
    var logBytes: Int
    var seconds: Double
    var peakRSSKiB: Int
    var exitCode: Int32
    var note: String = ""

    var mib: Double { Double(logBytes) / 1_048_576 }
    var mibPerSecond: Double { seconds > 0 ? mib / seconds : 0 }
}

/// Runs `argv` with stdout sent to `stdoutPath` (stderr too when `stderrToo`), waits with wait4 and
/// returns wall seconds, peak RSS of the child (KiB) and its exit code (128+signal when killed).
func spawnAndMeasure(_ argv: [String], stdoutPath: String = "/dev/null", stderrToo: Bool = false)
    -> (seconds: Double, peakRSSKiB: Int, exitCode: Int32)
{
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if stderrToo { posix_spawn_file_actions_adddup2(&actions, 1, 2) }
    let cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    var start = timespec()
    clock_gettime(CLOCK_MONOTONIC, &start)
    var pid: pid_t = 0
    let rc = posix_spawnp(&pid, argv[0], &actions, nil, cArgs, environ)
    if rc != 0 { return (0, 0, 127) }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
    var end = timespec()
    clock_gettime(CLOCK_MONOTONIC, &end)
    let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    let signal = status & 0x7f
    let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
    return (seconds, Int(usage.ru_maxrss), code)
}

func fileSize(_ path: String) -> Int? {
    var st = stat()
    return stat(path, &st) == 0 ? Int(st.st_size) : nil
}

func readSmallFile(_ path: String) -> String? {
    guard let f = fopen(path, "r") else { return nil }
    defer { fclose(f) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

func writeSmallFile(_ path: String, _ text: String) {
    guard let f = fopen(path, "w") else { fatal("cannot write \(path)") }
    _ = text.withCString { fputs($0, f) }
    fclose(f)
}

func shellQuote(_ s: String) -> String { "'" + s.replacingAll("'", with: "'\\''") + "'" }

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}

func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= width { return s }
    let fill = String(repeating: " ", count: width - n)
    return right ? fill + s : s + fill
}

/// `v` with `decimals` digits after the point; "-" where there is no figure (nothing timed).
func fixed(_ v: Double, _ decimals: Int) -> String {
    v.isFinite ? Format.fixed(v, decimals: decimals) : "-"
}

/// The benchmark: inputs under `dir`, each tool timed after one untimed warm-up read of its input,
/// `repeats` times; the fastest run counts (the others measured the machine's neighbours).
struct Bench {
    var sizeMB: Int
    var authMB: Int
    var sliceMB: Int
    var dir: String
    var jailbird: String
    var runFail2banRegex: Bool
    var repeats: Int
    var results: [Measurement] = []
    static let generatorVersion = 1
    static let cProgram = ".build/zlib-count-lines"
    static let launcher = ".build/rusage-run"
    private var haveLauncher = false

    init(sizeMB: Int, authMB: Int, sliceMB: Int, dir: String, jailbird: String, runFail2banRegex: Bool, repeats: Int) {
        self.sizeMB = sizeMB
        self.authMB = authMB
        self.sliceMB = sliceMB
        self.dir = dir
        self.jailbird = jailbird
        self.runFail2banRegex = runFail2banRegex
        self.repeats = max(1, repeats)
    }

    /// Generates `path` unless it exists with the same parameters (recorded in `path.params`).
    private func ensureLog(kind: LogKind, bytes: Int, seed: UInt64, path: String) {
        let params = "kind=\(kind.rawValue) bytes=\(bytes) seed=\(seed) start=\(kind.defaultStart) generator=\(Self.generatorVersion)\n"
        if fileSize(path) != nil, readSmallFile(path + ".params") == params {
            say("reusing \(path)")
            return
        }
        var t0 = timespec(), t1 = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t0)
        generate(kind: kind, bytes: bytes, seed: seed, start: nil, path: path)
        clock_gettime(CLOCK_MONOTONIC, &t1)
        let s = Double(t1.tv_sec - t0.tv_sec) + Double(t1.tv_nsec - t0.tv_nsec) / 1e9
        say("generated \(path): \(fileSize(path) ?? 0) bytes in \(fixed(s, 2)) s (\(fixed(Double(bytes) / 1_048_576 / s, 0)) MiB/s)")
        writeSmallFile(path + ".params", params)
        unlink(path + ".gz")
    }

    /// `gzip -6` (gzip's default level) copy beside the log, rebuilt when the log was regenerated.
    private func ensureGzip(_ path: String) {
        let params = (readSmallFile(path + ".params") ?? "") + "gzip=-6\n"
        if fileSize(path + ".gz") != nil, readSmallFile(path + ".gz.params") == params {
            say("reusing \(path).gz")
            return
        }
        let r = spawnAndMeasure(["/bin/sh", "-c", "gzip -6 -c \(shellQuote(path)) > \(shellQuote(path + ".gz"))"])
        guard r.exitCode == 0 else { fatal("gzip failed for \(path)") }
        say("gzip -6 \(path): \(fileSize(path + ".gz") ?? 0) bytes in \(fixed(r.seconds, 2)) s")
        writeSmallFile(path + ".gz.params", params)
    }

    /// The first `mib` MiB of `path`, cut at a line end.
    private func ensureSlice(_ path: String, mib: Int) -> String {
        let slice = "\(path).first\(mib)M"
        let want = mib << 20
        if let size = fileSize(slice), size <= want, size > want - 65536 || size == fileSize(path) {
            if let a = readSmallFile(path + ".params"), readSmallFile(slice + ".params") == a { return slice }
        }
        let input = open(path, O_RDONLY)
        let output = open(slice, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard input >= 0, output >= 0 else { fatal("cannot slice \(path)") }
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: want)
        defer { buffer.deallocate() }
        var got = 0
        while got < want {
            let n = read(input, buffer + got, want - got)
            if n <= 0 { break }
            got += n
        }
        var end = got
        while end > 0 && buffer[end - 1] != 10 { end -= 1 }
        _ = write(output, buffer, end)
        close(input)
        close(output)
        writeSmallFile(slice + ".params", readSmallFile(path + ".params") ?? "")
        return slice
    }

    private func warm(_ path: String) {
        _ = spawnAndMeasure(["cat", path])
    }

    private mutating func time(tool: String, argv: [String], input: String, logBytes: Int,
                               stdoutPath: String = "/dev/null", note: String = "") {
        warm(input)
        var fastest: Measurement?
        for _ in 0..<repeats {
            let m = measure(tool: tool, argv: argv, input: input, logBytes: logBytes, stdoutPath: stdoutPath, note: note)
            if fastest == nil || (m.exitCode == 0 && m.seconds < fastest!.seconds) { fastest = m }
            if m.exitCode != 0 { break }
        }
        let m = fastest!
        say("  \(pad(tool, 22)) \(pad(input, 38)) \(fixed(m.seconds, 3)) s")
        results.append(m)
    }

    private func measure(tool: String, argv: [String], input: String, logBytes: Int, stdoutPath: String, note: String)
        -> Measurement
    {
        var m: Measurement
        if haveLauncher {
            let resultFile = "\(dir)/rusage.txt"
            unlink(resultFile)
            let r = spawnAndMeasure([Self.launcher, resultFile] + argv, stdoutPath: stdoutPath,
                                    stderrToo: stdoutPath != "/dev/null")
            let fields = (readSmallFile(resultFile) ?? "").split(separator: " ")
            let rss = fields.count == 2 ? Int(fields[0]) ?? 0 : 0
            let code = fields.count == 2 ? Int32(fields[1].filter { $0 != "\n" }) ?? r.exitCode : r.exitCode
            m = Measurement(tool: tool, input: input, logBytes: logBytes, seconds: r.seconds,
                            peakRSSKiB: rss, exitCode: code, note: note)
        } else {
            let r = spawnAndMeasure(argv, stdoutPath: stdoutPath, stderrToo: stdoutPath != "/dev/null")
            m = Measurement(tool: tool, input: input, logBytes: logBytes, seconds: r.seconds,
                            peakRSSKiB: r.peakRSSKiB, exitCode: r.exitCode, note: note)
        }
        if m.exitCode != 0 { m.note += (m.note.isEmpty ? "" : "; ") + "exit \(m.exitCode)" }
        return m
    }

    private func firstLine(containing needle: String, in path: String) -> String? {
        guard let text = readSmallFile(path) else { return nil }
        for line in text.split(separator: "\n") where line.contains(needle) {
            return line.trimmingSpaces()
        }
        return nil
    }

    mutating func run() {
        mkdir(dir, 0o755)
        mkdir(".build", 0o755)
        let launcherBuild = spawnAndMeasure(["cc", "-O2", "bench/rusage-run.c", "-o", Self.launcher],
                                            stdoutPath: "\(dir)/cc-rusage-run.out", stderrToo: true)
        haveLauncher = launcherBuild.exitCode == 0
        if !haveLauncher {
            say("cc bench/rusage-run.c failed (see \(dir)/cc-rusage-run.out): peak RSS is then wait4's ru_maxrss of a child "
                + "spawned directly, which includes this benchmark's own peak as a floor")
        }
        let asterisk = "\(dir)/asterisk-full.log"
        let auth = "\(dir)/auth.log"
        ensureLog(kind: .asterisk, bytes: sizeMB << 20, seed: 1, path: asterisk)
        ensureLog(kind: .auth, bytes: authMB << 20, seed: 2, path: auth)
        ensureGzip(asterisk)
        ensureGzip(auth)

        let cc = spawnAndMeasure(["cc", "-O2", "bench/zlib-count-lines.c", "-lz", "-o", Self.cProgram],
                                 stdoutPath: "\(dir)/cc-zlib-count-lines.out", stderrToo: true)
        let haveC = cc.exitCode == 0
        if !haveC { say("cc bench/zlib-count-lines.c failed (see \(dir)/cc-zlib-count-lines.out); C rows skipped") }
        let haveJailbird = access(jailbird, X_OK) == 0
        if !haveJailbird {
            say("jailbird binary not found at \(jailbird): jailbird rows skipped (build it with `swift build -c release`)")
        }

        // taskset pins a run to one CPU: the targets are stated for one core.
        let haveTaskset = access("/usr/bin/taskset", X_OK) == 0
        if !haveTaskset { say("taskset not found (util-linux): one-core rows skipped") }
        say("timing (each after one untimed warm-up read of its input; fastest of \(repeats)):")
        for (log, filter) in [(asterisk, "asterisk"), (auth, "sshd")] {
            let size = fileSize(log) ?? 0
            let name = log.split(separator: "/").last.map(String.init) ?? log
            time(tool: "cat", argv: ["cat", log], input: log, logBytes: size)
            time(tool: "zcat", argv: ["zcat", log + ".gz"], input: log + ".gz", logBytes: size)
            if haveC {
                time(tool: "zlib-count-lines (C)", argv: [Self.cProgram, log + ".gz"], input: log + ".gz", logBytes: size)
            }
            if runFail2banRegex {
                let slice = ensureSlice(log, mib: sliceMB)
                let out = "\(dir)/fail2ban-regex-\(name).out"
                time(tool: "fail2ban-regex", argv: ["fail2ban-regex", slice, "/etc/fail2ban/filter.d/\(filter).conf"],
                     input: slice, logBytes: fileSize(slice) ?? 0, stdoutPath: out)
                if let line = firstLine(containing: "Failregex:", in: out) { results[results.count - 1].note = line }
            }
            if haveJailbird {
                for input in [log, log + ".gz"] {
                    let out = "\(dir)/jailbird-scan-\(input.split(separator: "/").last!).out"
                    // the same filter as fail2ban-regex; generated stamps are UTC
                    let scan = [jailbird, "scan", "--filter", filter, "--tz", "UTC", input]
                    time(tool: "jailbird scan", argv: scan, input: input, logBytes: size,
                         stdoutPath: out, note: "output: \(out)")
                    if haveTaskset {
                        time(tool: Self.oneCore, argv: ["/usr/bin/taskset", "-c", "0"] + scan, input: input,
                             logBytes: size, stdoutPath: out + ".1core", note: "pinned with taskset -c 0")
                    }
                }
                // Every event written out (the CSV export), to /dev/null: what writing them adds.
                let events = eventCount(inScanSummary: "\(dir)/jailbird-scan-\(name).out")
                time(tool: "jailbird scan --events", argv: [jailbird, "scan", "--filter", filter, "--tz", "UTC",
                                                            "--events", "csv", log],
                     input: log, logBytes: size, note: events.map { "\($0) events as CSV to /dev/null" } ?? "CSV to /dev/null")
                if let events, let m = results.last, m.exitCode == 0, m.seconds > 0 {
                    results[results.count - 1].note += ", \(fixed(Double(events) / m.seconds / 1e6, 2)) M events/s"
                }
            }
        }
        report()
    }

    static let oneCore = "jailbird scan, 1 core"

    /// The total of the Events column in a `jailbird scan` summary: its line `total  N`.
    private func eventCount(inScanSummary path: String) -> Int? {
        guard let line = firstLine(containing: " total ", in: path) else { return nil }
        return line.split(separator: " ").last.flatMap { Int($0.filter { $0 != "," }) }
    }

    private func find(_ tool: String, _ input: String) -> Measurement? {
        results.first { $0.tool == tool && $0.input == input && $0.exitCode == 0 }
    }

    private func report() {
        say("")
        say("MiB = 2^20 bytes of log text (for .gz inputs: the uncompressed log); fail2ban-regex runs on a slice, MiB/s extrapolates.")
        say("gzip copies made with `gzip -6` (gzip's default level). Peak RSS: wait4 ru_maxrss of the tool, "
            + (haveLauncher ? "run through bench/rusage-run (floor ~1 MiB)." : "spawned directly (floor = this benchmark's own peak)."))
        say(pad("tool", 22) + " " + pad("input", 38) + pad("MiB", 9, right: true) + pad("seconds", 10, right: true)
            + pad("MiB/s", 10, right: true) + pad("peak RSS MiB", 14, right: true) + "  note")
        for m in results {
            say(pad(m.tool, 22) + " " + pad(m.input, 38) + pad(fixed(m.mib, 1), 9, right: true)
                + pad(fixed(m.seconds, 3), 10, right: true) + pad(fixed(m.mibPerSecond, 1), 10, right: true)
                + pad(fixed(Double(m.peakRSSKiB) / 1024, 1), 14, right: true) + "  " + m.note)
        }
        say("")
        say("jailbird inflates gzip input with \(ByteReader.gzipEngineName) here (ISA-L where libisal2 is installed, else zlib).")
        say("ratios (throughput, higher is better for jailbird):")
        var checks: [(String, Bool)] = []
        for log in ["\(dir)/asterisk-full.log", "\(dir)/auth.log"] {
            let slice = "\(log).first\(sliceMB)M"
            let plain = find("jailbird scan", log)
            let gz = find("jailbird scan", log + ".gz")
            let plainOneCore = find(Self.oneCore, log)
            let gzOneCore = find(Self.oneCore, log + ".gz")
            func ratio(_ a: Measurement?, _ b: Measurement?, _ label: String) -> Double? {
                guard let a, let b, b.mibPerSecond > 0 else {
                    say("  \(label): n/a")
                    return nil
                }
                let r = a.mibPerSecond / b.mibPerSecond
                say("  \(label): \(fixed(r, 2))x")
                return r
            }
            let name = log.split(separator: "/").last.map(String.init) ?? log
            _ = ratio(plain, find("cat", log), "\(name): jailbird vs cat")
            _ = ratio(gz, find("zcat", log + ".gz"), "\(name).gz: jailbird vs zcat")
            let vsC = ratio(gz, find("zlib-count-lines (C)", log + ".gz"), "\(name).gz: jailbird vs C inflate+count")
            let vsCOneCore = ratio(
                gzOneCore, find("zlib-count-lines (C)", log + ".gz"), "\(name).gz: jailbird on 1 core vs C inflate+count")
            _ = ratio(plain, find("fail2ban-regex", slice), "\(name): jailbird vs fail2ban-regex")
            let vsF2B = ratio(plainOneCore, find("fail2ban-regex", slice), "\(name): jailbird on 1 core vs fail2ban-regex")
            // The issue says GB/s: decimal gigabytes.
            func gigabytesPerSecond(_ m: Measurement) -> Double { Double(m.logBytes) / m.seconds / 1e9 }
            if let plainOneCore {
                let rate = gigabytesPerSecond(plainOneCore)
                checks.append(("\(name): plain ≥ 2 GB/s on one core (\(fixed(rate, 2)) GB/s)", rate >= 2))
            }
            if let plain { say("  \(name): jailbird on all cores: \(fixed(gigabytesPerSecond(plain), 2)) GB/s") }
            if let vsC { checks.append(("\(name).gz: ≥ 90% of the C program (\(fixed(vsC * 100, 0))%)", vsC >= 0.9)) }
            if let vsCOneCore {
                checks.append(
                    ("\(name).gz: ≥ 90% of the C program on one core (\(fixed(vsCOneCore * 100, 0))%)", vsCOneCore >= 0.9))
            }
            if let vsF2B { checks.append(("\(name): ≥ 100x fail2ban-regex on one core (\(fixed(vsF2B, 0))x)", vsF2B >= 100)) }
            for m in [plain, gz, plainOneCore, gzOneCore].compactMap({ $0 }) {
                let mib = Double(m.peakRSSKiB) / 1024
                checks.append(("\(m.tool) on \(m.input.split(separator: "/").last!): peak RSS < 100 MiB (\(fixed(mib, 1)) MiB)", mib < 100))
            }
        }
        say("")
        say("targets: plain ≥ 2 GB/s on one core; .gz ≥ 90% of the C inflate+count program; ≥ 100x fail2ban-regex; "
            + "peak RSS < 100 MiB")
        if checks.isEmpty { say("  (no jailbird rows: nothing to check)") }
        for (label, ok) in checks { say("  [\(ok ? "met" : "MISSED")] \(label)") }
    }
}

extension Substring {
    func trimmingSpaces() -> String {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
