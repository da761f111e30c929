
/// Seconds from a fail2ban duration, as `MyTime.str2seconds` (fail2ban/server/mytime.py) reads
/// it: `600`, `10m`, `1h 30m`, `1d12h`, `1w`, `-1`, `1h-10m`, `1.5d`. Units (any case):
/// `s/se/sec/second(s)`, `m/mi/mm/min/minute(s)`, `h/ho/hh/hou/hour(s)`, `d/da/dd/day(s)`,
/// `w/we/ww/wee/week(s)`, `mo/mon/month(s)` (365.25/12 days), `y/ye/yy/yea/year(s)`
/// (365.25 days). Numbers separated only by blanks are added.
///
/// fail2ban rewrites the text into a Python expression and `eval`s it; this does the same
/// rewriting and evaluates the result with jailbird's arithmetic-only evaluator, so the values
/// agree while nothing else can run.
/// - Throws: `ConfigError` with an empty file, line and key, whose message says what is wrong.
public func parseDuration(_ text: String) throws(ConfigError) -> Double {
    try parseDurationNumber(text).double
}

/// `parseDuration` keeping Python's int/float distinction.
func parseDurationNumber(_ text: String) throws(ConfigError) -> PythonNumber {
    let expression = rewriteDuration(text)
    do {
        return try PythonExpression(parsing: expression, names: []).evaluate([:])
    } catch {
        throw ConfigError(file: "", line: 0, key: "", message: "invalid duration '\(text)': \(error.message)")
    }
}

/// The three rewriting steps of `str2seconds`, on Unicode scalars.
func rewriteDuration(_ text: String) -> String {
    func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar.properties.numericType == .decimal }
    func isASCIILetter(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value | 0x20) >= 0x61 && (scalar.value | 0x20) <= 0x7A
    }
    func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || isDigit(scalar) || scalar == "_"
    }
    // 1. A digit right after a letter starts a new group: "1d12h" -> "1d 12h".
    var scalars: [Unicode.Scalar] = []
    for scalar in text.unicodeScalars {
        if isDigit(scalar), let previous = scalars.last, isASCIILetter(previous) { scalars.append(" ") }
        scalars.append(scalar)
    }
    // 2. Unit words after a digit or blank become multiplications, unit by unit in fail2ban's
    // order; each list is in the order the regular expression tries its alternatives.
    let units: [([String], String)] = [
        (["days", "day", "da", "dd", "d"], "*86400"),
        (["weeks", "week", "wee", "we", "ww", "w"], "*604800"),
        (["months", "month", "mon", "mo"], "*2629800.0"),
        (["years", "year", "yea", "ye", "yy", "y"], "*31557600.0"),
        (["seconds", "second", "sec", "se", "ss", "s"], "*1"),
        (["minutes", "minute", "min", "mi", "mm", "m"], "*60"),
        (["hours", "hour", "hou", "ho", "hh", "h"], "*3600"),
    ]
    for (words, replacement) in units {
        var output: [Unicode.Scalar] = []
        var index = 0
        while index < scalars.count {
            if index > 0, isDigit(scalars[index - 1]) || scalars[index - 1].properties.isWhitespace,
                let length = words.lazy.compactMap({ word -> Int? in
                    let count = word.unicodeScalars.count
                    guard index + count <= scalars.count else { return nil }
                    for (offset, letter) in word.unicodeScalars.enumerated()
                    where (scalars[index + offset].value | 0x20) != letter.value
                        || !isASCIILetter(scalars[index + offset])
                    {
                        return nil
                    }
                    // \b: the word must not run on into another word character.
                    if index + count < scalars.count && isWordCharacter(scalars[index + count]) { return nil }
                    return count
                }).first
            {
                output += replacement.unicodeScalars
                index += length
            } else {
                output.append(scalars[index])
                index += 1
            }
        }
        scalars = output
    }
    // 3. Groups separated only by blanks are added: "1*3600 30*60" -> "1*3600+30*60".
    var output: [Unicode.Scalar] = []
    var index = 0
    while index < scalars.count {
        if isDigit(scalars[index]) {
            var end = index + 1
            while end < scalars.count && scalars[end].properties.isWhitespace { end += 1 }
            if end > index + 1 && end < scalars.count && isDigit(scalars[end]) {
                output.append(scalars[index])
                output.append("+")
                output.append(scalars[end])
                index = end + 1
                continue
            }
        }
        output.append(scalars[index])
        index += 1
    }
    var result = ""
    result.unicodeScalars.append(contentsOf: output)
    return result
}
