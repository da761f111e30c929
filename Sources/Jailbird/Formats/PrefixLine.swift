/// The daemon name a filter puts into common.conf's `__prefix_line` (`_daemon`).
protocol DaemonName {
    /// Calls `body` with each end of a match of `_daemon` at `start`, in the regex engine's
    /// order of preference, until it returns true.
    func forEachEnd(in text: UnsafeRawBufferPointer, at start: Int, _ body: (Int) -> Bool) -> Bool
}

/// common.conf's `__prefix_line` for `logtype = file`, the part of a log line between the time
/// stamp and the message:
///
///     <__date_ambit>?\s*(?:<__bsd_syslog_verbose>\s+)?(?:<__hostname>\s+)?(?:<__kernel_prefix>\s+)?
///     (?:<__vserver>\s+)?(?:<__daemon_combs_re>\s+)?(?:<__daemon_extra_re>\s+)?
///
/// Every part is optional and a regular expression engine backtracks through them, trying each
/// part present before absent and longer before shorter. `forEachEnd` yields the possible ends of
/// the prefix in that order, so the first end after which the filter's own pattern fits is the
/// one fail2ban uses.
struct PrefixLine<Daemon: DaemonName> {
    let daemon: Daemon

    @discardableResult
    func forEachEnd(in text: UnsafeRawBufferPointer, _ body: (Int) -> Bool) -> Bool {
        // <__date_ambit>? = (?:\[\])? : the brackets a cut-out "[date]" leaves.
        if text.hasBytes("[]", at: 0) && leadingSpaces(text, 2, body) { return true }
        return leadingSpaces(text, 0, body)
    }

    /// `\s*`, longest first.
    private func leadingSpaces(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        let end = text.skipSpaces(from: start)
        var position = end
        while position >= start {
            if bsdVerbose(text, position, body) { return true }
            position -= 1
        }
        return false
    }

    /// The part that follows a run of spaces.
    private enum Next {
        case hostname, kernel, vserver, daemonCombination, extra, end
    }

    /// `\s+` after a part, longest first, then the `next` part.
    private func spaces(
        _ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool, _ next: Next
    ) -> Bool {
        let end = text.skipSpaces(from: start)
        var position = end
        while position > start {
            let matched: Bool
            switch next {
            case .hostname: matched = hostname(text, position, body)
            case .kernel: matched = kernel(text, position, body)
            case .vserver: matched = vserver(text, position, body)
            case .daemonCombination: matched = daemonCombination(text, position, body)
            case .extra: matched = extra(text, position, body)
            case .end: matched = body(position)
            }
            if matched { return true }
            position -= 1
        }
        return false
    }

    /// `(?:<[^.]+\.[^.]+>\s+)?`
    private func bsdVerbose(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        if start < text.count && text[start] == UInt8(ascii: "<"),
            let dot = text.firstIndex(of: UInt8(ascii: "."), from: start + 1), dot > start + 1
        {
            let nextDot = text.firstIndex(of: UInt8(ascii: "."), from: dot + 1) ?? text.count
            var close = nextDot - 1
            while close > dot + 1 {
                if text[close] == UInt8(ascii: ">") && spaces(text, close + 1, body, .hostname) { return true }
                close -= 1
            }
        }
        return hostname(text, start, body)
    }

    /// `(?:\S+\s+)?`
    private func hostname(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        let tokenEnd = text.skipNonSpaces(from: start)
        if tokenEnd > start && spaces(text, tokenEnd, body, .kernel) { return true }
        return kernel(text, start, body)
    }

    /// `(?:kernel:\s?\[ *\d+\.\d+\]:?\s+)?`
    private func kernel(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        if text.hasBytes("kernel:", at: start) {
            var position = start + 7
            if position < text.count && ByteClass.isSpace(text[position]) { position += 1 }
            if kernelStamp(text, position, body) { return true }
            if position > start + 7 && kernelStamp(text, start + 7, body) { return true }
        }
        return vserver(text, start, body)
    }

    private func kernelStamp(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        guard start < text.count, text[start] == UInt8(ascii: "[") else { return false }
        var position = start + 1
        while position < text.count && text[position] == UInt8(ascii: " ") { position += 1 }
        let integerEnd = text.skipDigits(from: position)
        guard integerEnd > position, integerEnd < text.count, text[integerEnd] == UInt8(ascii: ".") else {
            return false
        }
        let fractionEnd = text.skipDigits(from: integerEnd + 1)
        guard fractionEnd > integerEnd + 1, fractionEnd < text.count, text[fractionEnd] == UInt8(ascii: "]") else {
            return false
        }
        position = fractionEnd + 1
        if position < text.count && text[position] == UInt8(ascii: ":") {
            if spaces(text, position + 1, body, .vserver) { return true }
        }
        return spaces(text, position, body, .vserver)
    }

    /// `(?:@vserver_\S+\s+)?`
    private func vserver(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        if text.hasBytes("@vserver_", at: start) {
            let tokenEnd = text.skipNonSpaces(from: start + 9)
            if tokenEnd > start + 9 && spaces(text, tokenEnd, body, .daemonCombination) { return true }
        }
        return daemonCombination(text, start, body)
    }

    /// `(?:<__daemon_combs_re>\s+)?` with
    /// `__daemon_combs_re = (?:<__pid_re>?:\s+<__daemon_re>|<__daemon_re><__pid_re>?:?)`.
    private func daemonCombination(
        _ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool
    ) -> Bool {
        func afterCombination(_ end: Int) -> Bool { spaces(text, end, body, .extra) }
        // First alternative: [pid]? ':' \s+ daemon, with the pid first, then without.
        func afterColon(_ colon: Int) -> Bool {
            guard colon < text.count && text[colon] == UInt8(ascii: ":") else { return false }
            var position = text.skipSpaces(from: colon + 1)
            while position > colon + 1 {
                if daemonWithDecorations(text, position, afterCombination) { return true }
                position -= 1
            }
            return false
        }
        if let pidEnd = pid(text, start), afterColon(pidEnd) { return true }
        if afterColon(start) { return true }
        // Second alternative: daemon [pid]? ':'?
        let second = daemonWithDecorations(text, start) { end in
            if let pidEnd = pid(text, end) {
                if pidEnd < text.count && text[pidEnd] == UInt8(ascii: ":") && afterCombination(pidEnd + 1) {
                    return true
                }
                if afterCombination(pidEnd) { return true }
            }
            if end < text.count && text[end] == UInt8(ascii: ":") && afterCombination(end + 1) { return true }
            return afterCombination(end)
        }
        if second { return true }
        return extra(text, start, body)
    }

    /// `\[\d+\]` at `start`: the offset past it, or nil.
    private func pid(_ text: UnsafeRawBufferPointer, _ start: Int) -> Int? {
        guard start < text.count, text[start] == UInt8(ascii: "[") else { return nil }
        let digitsEnd = text.skipDigits(from: start + 1)
        guard digitsEnd > start + 1, digitsEnd < text.count, text[digitsEnd] == UInt8(ascii: "]") else { return nil }
        return digitsEnd + 1
    }

    /// `__daemon_re = [\[\(]?<_daemon>(?:\(\S+\))?[\]\)]?:?`
    private func daemonWithDecorations(
        _ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool
    ) -> Bool {
        var nameStart = start
        if start < text.count && (text[start] == UInt8(ascii: "[") || text[start] == UInt8(ascii: "(")) {
            nameStart = start + 1
        }
        func afterName(_ nameEnd: Int) -> Bool {
            // (?:\(\S+\))? : '(' then a run of non-spaces ending in ')', longest first.
            if nameEnd < text.count && text[nameEnd] == UInt8(ascii: "(") {
                let tokenEnd = text.skipNonSpaces(from: nameEnd + 1)
                var close = tokenEnd - 1
                while close > nameEnd + 1 {
                    if text[close] == UInt8(ascii: ")") && closing(text, close + 1, body) { return true }
                    close -= 1
                }
            }
            return closing(text, nameEnd, body)
        }
        if daemon.forEachEnd(in: text, at: nameStart, afterName) { return true }
        if nameStart != start { return daemon.forEachEnd(in: text, at: start, afterName) }
        return false
    }

    /// `[\]\)]?:?`, each taken when present first.
    private func closing(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        func optionalColon(_ position: Int) -> Bool {
            if position < text.count && text[position] == UInt8(ascii: ":") && body(position + 1) { return true }
            return body(position)
        }
        if start < text.count && (text[start] == UInt8(ascii: "]") || text[start] == UInt8(ascii: ")")),
            optionalColon(start + 1)
        {
            return true
        }
        return optionalColon(start)
    }

    /// `(?:\[ID \d+ \S+\]\s+)?`
    private func extra(_ text: UnsafeRawBufferPointer, _ start: Int, _ body: (Int) -> Bool) -> Bool {
        if text.hasBytes("[ID ", at: start) {
            let digitsEnd = text.skipDigits(from: start + 4)
            if digitsEnd > start + 4 && digitsEnd < text.count && text[digitsEnd] == UInt8(ascii: " ") {
                let tokenEnd = text.skipNonSpaces(from: digitsEnd + 1)
                var close = tokenEnd - 1
                while close > digitsEnd + 1 {
                    if text[close] == UInt8(ascii: "]") && spaces(text, close + 1, body, .end) {
                        return true
                    }
                    close -= 1
                }
            }
        }
        return body(start)
    }
}
