/// fail2ban's sshd `prefregex`:
/// `^<F-MLFID>%(__prefix_line)s</F-MLFID>%(__pref)s<F-CONTENT>.+</F-CONTENT>$` with the
/// `lt_file` prefix line of common.conf:
/// `(?:\[\])?\s*(?:<bsd>\s+)?(?:\S+\s+)?(?:<kernel>\s+)?(?:@vserver_\S+\s+)?(?:<daemon>\s+)?(?:\[ID \d+ \S+\]\s+)?`
/// and `__pref = (?:(?:error|fatal): (?:PAM: )?)?`.
///
/// Each optional piece is tried in the regex engine's order (greedy first, then shorter, then
/// skipped); the first combination that leaves a non-empty content wins, exactly as Python
/// backtracks. The greedy choice nearly always wins at once.
struct SSHDPrefix {
    /// End of the `F-MLFID` group (the connection id is the text `0..<mlfidEnd`).
    var mlfidEnd: Int
    /// Start of `F-CONTENT`, the text the failregexes see.
    var contentStart: Int
}

extension SSHDScanner {
    func prefix() -> SSHDPrefix? {
        var result: SSHDPrefix?
        // (?:\[\])?
        let ambitEnds = has("[]", at: 0) ? [2, 0] : [0]
        for ambitEnd in ambitEnds {
            // \s*
            var spaceEnd = self.spaceEnd(ambitEnd)
            while spaceEnd >= ambitEnd {
                if bsdStage(spaceEnd, &result) { return result }
                spaceEnd -= 1
            }
        }
        return nil
    }

    /// Visits `\s+` ends after `position`, longest first.
    func spaces(_ position: Int, _ next: (Int) -> Bool) -> Bool {
        var end = spaceEnd(position)
        while end > position {
            if next(end) { return true }
            end -= 1
        }
        return false
    }

    /// `(?:<[^.]+\.[^.]+>\s+)?`
    private func bsdStage(_ position: Int, _ result: inout SSHDPrefix?) -> Bool {
        if byte(position) == UInt8(ascii: "<") {
            var dot = position + 1
            while dot <= count && byte(dot) != UInt8(ascii: ".") { dot += 1 }
            if dot > position + 1 && dot < count {
                var secondEnd = dot + 1
                while secondEnd <= count && byte(secondEnd) != UInt8(ascii: ".") { secondEnd += 1 }
                // the closing '>' is the last [^.] character; try it from the right
                var close = secondEnd - 1
                while close >= dot + 2 {
                    if byte(close) == UInt8(ascii: ">") {
                        var found = false
                        if spaces(close + 1, { end in
                            if hostStage(end, &result) { found = true }
                            return found
                        }) {
                            return true
                        }
                    }
                    close -= 1
                }
            }
        }
        return hostStage(position, &result)
    }

    /// `(?:\S+\s+)?` (the host name token)
    private func hostStage(_ position: Int, _ result: inout SSHDPrefix?) -> Bool {
        let tokenEnd = nonSpaceEnd(position)
        if tokenEnd > position {
            var found = false
            if spaces(tokenEnd, { end in
                if kernelStage(end, &result) { found = true }
                return found
            }) {
                return true
            }
        }
        return kernelStage(position, &result)
    }

    /// `(?:kernel:\s?\[ *\d+\.\d+\]:?\s+)?`
    private func kernelStage(_ position: Int, _ result: inout SSHDPrefix?) -> Bool {
        if var index = literal("kernel:", at: position) {
            if isSpace(at: index) && byte(index + 1) == UInt8(ascii: "[") { index += 1 }
            if byte(index) == UInt8(ascii: "[") {
                index += 1
                while byte(index) == UInt8(ascii: " ") { index += 1 }
                let integerEnd = digitEnd(index)
                if integerEnd > index && byte(integerEnd) == UInt8(ascii: ".") {
                    let fractionEnd = digitEnd(integerEnd + 1)
                    if fractionEnd > integerEnd + 1 && byte(fractionEnd) == UInt8(ascii: "]") {
                        var end = fractionEnd + 1
                        if byte(end) == UInt8(ascii: ":") { end += 1 }
                        var found = false
                        if spaces(end, { next in
                            if vserverStage(next, &result) { found = true }
                            return found
                        }) {
                            return true
                        }
                    }
                }
            }
        }
        return vserverStage(position, &result)
    }

    /// `(?:@vserver_\S+\s+)?`
    private func vserverStage(_ position: Int, _ result: inout SSHDPrefix?) -> Bool {
        if let after = literal("@vserver_", at: position) {
            let tokenEnd = nonSpaceEnd(after)
            if tokenEnd > after {
                var found = false
                if spaces(tokenEnd, { end in
                    if daemonStage(end, &result) { found = true }
                    return found
                }) {
                    return true
                }
            }
        }
        return daemonStage(position, &result)
    }

    /// `(?:(?:(?:\[\d+\])?:\s+<daemon_re>|<daemon_re>(?:\[\d+\])?:?)\s+)?`
    private func daemonStage(_ position: Int, _ result: inout SSHDPrefix?) -> Bool {
        func next(_ end: Int) -> Bool {
            var found = false
            _ = spaces(end) { afterSpaces in
                if idStage(afterSpaces, &result) { found = true }
                return found
            }
            return found
        }
        // alternative 1: (?:\[\d+\])?:\s+<daemon_re>
        var pidEnds: (Int, Int?) = (position, nil)
        if let pid = pidEnd(position) { pidEnds = (pid, position) }
        for colonAt in [pidEnds.0, pidEnds.1] {
            guard let colonAt, byte(colonAt) == UInt8(ascii: ":") else { continue }
            let afterColon = colonAt + 1
            var spaceEnd = self.spaceEnd(afterColon)
            while spaceEnd > afterColon {
                if daemonName(spaceEnd, next) { return true }
                spaceEnd -= 1
            }
        }
        // alternative 2: <daemon_re>(?:\[\d+\])?:?
        if daemonName(position, { nameEnd in
            if let pid = self.pidEnd(nameEnd) {
                if self.byte(pid) == UInt8(ascii: ":") && next(pid + 1) { return true }
                if next(pid) { return true }
            }
            if self.byte(nameEnd) == UInt8(ascii: ":") && next(nameEnd + 1) { return true }
            return next(nameEnd)
        }) {
            return true
        }
        return idStage(position, &result)
    }

    /// End of `\[\d+\]` at `position`.
    private func pidEnd(_ position: Int) -> Int? {
        guard byte(position) == UInt8(ascii: "[") else { return nil }
        let end = digitEnd(position + 1)
        guard end > position + 1 && byte(end) == UInt8(ascii: "]") else { return nil }
        return end + 1
    }

    /// Visits the ends of `[\[\(]?sshd(?:\(\S+\))?[\]\)]?:?` in engine order.
    private func daemonName(_ position: Int, _ next: (Int) -> Bool) -> Bool {
        let opener = byte(position)
        var starts = [position]
        if opener == UInt8(ascii: "[") || opener == UInt8(ascii: "(") { starts = [position + 1, position] }
        for start in starts {
            guard let nameEnd = literal("sshd", at: start) else { continue }
            // (?:\(\S+\))? — the \S+ is greedy, so the last ')' of the token first
            if byte(nameEnd) == UInt8(ascii: "(") {
                let tokenEnd = nonSpaceEnd(nameEnd + 1)
                var close = tokenEnd - 1
                while close >= nameEnd + 2 {
                    if byte(close) == UInt8(ascii: ")") && daemonTail(close + 1, next) { return true }
                    close -= 1
                }
            }
            if daemonTail(nameEnd, next) { return true }
        }
        return false
    }

    /// `[\]\)]?:?` then `next`.
    private func daemonTail(_ position: Int, _ next: (Int) -> Bool) -> Bool {
        let closer = byte(position)
        if closer == UInt8(ascii: "]") || closer == UInt8(ascii: ")") {
            if byte(position + 1) == UInt8(ascii: ":") && next(position + 2) { return true }
            if next(position + 1) { return true }
        }
        if byte(position) == UInt8(ascii: ":") && next(position + 1) { return true }
        return next(position)
    }

    /// `(?:\[ID \d+ \S+\]\s+)?` then `__pref` and the content check.
    private func idStage(_ position: Int, _ result: inout SSHDPrefix?) -> Bool {
        if let after = literal("[ID ", at: position) {
            let numberEnd = digitEnd(after)
            if numberEnd > after && byte(numberEnd) == UInt8(ascii: " ") {
                let tokenEnd = nonSpaceEnd(numberEnd + 1)
                var close = tokenEnd - 1
                while close >= numberEnd + 2 {
                    if byte(close) == UInt8(ascii: "]") {
                        var found = false
                        if spaces(close + 1, { end in
                            if prefStage(end, mlfidEnd: end, &result) { found = true }
                            return found
                        }) {
                            return true
                        }
                    }
                    close -= 1
                }
            }
        }
        return prefStage(position, mlfidEnd: position, &result)
    }

    /// `(?:(?:error|fatal): (?:PAM: )?)?` then `.+$` (a non-empty content).
    private func prefStage(_ position: Int, mlfidEnd: Int, _ result: inout SSHDPrefix?) -> Bool {
        if let after = literal("error: ", at: position) ?? literal("fatal: ", at: position) {
            if let afterPAM = literal("PAM: ", at: after), afterPAM < count {
                result = SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: afterPAM)
                return true
            }
            if after < count {
                result = SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: after)
                return true
            }
        }
        if position < count {
            result = SSHDPrefix(mlfidEnd: mlfidEnd, contentStart: position)
            return true
        }
        return false
    }
}
