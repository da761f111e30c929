
/// One option value with the place it was written.
struct IniValue: Equatable, Sendable {
    var text: String
    var location: ConfigLocation
}

/// Options of one section in the order they were first written; keys are lower-case.
struct OptionTable: Sendable {
    private(set) var keys: [String] = []
    private var values: [String: IniValue] = [:]

    subscript(key: String) -> IniValue? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    /// Later values win, as Python's `dict.update`.
    mutating func update(with other: OptionTable) {
        for key in other.keys { self[key] = other[key] }
    }
}

/// One configuration file as Python's `configparser` (strict mode, as fail2ban creates it)
/// reads it: `[section]` headers, `key = value` or `key: value` (the first `=` or `:`
/// separates), keys folded to lower case, values continued on lines indented deeper than the
/// key, full-line comments starting with `#` or `;`, inline comments only after `;` that follows
/// a blank, and `[DEFAULT]` kept apart.
struct IniFile: Sendable {
    var path: String
    var defaults = OptionTable()
    /// Sections in the order of their headers.
    var sections: [(name: String, location: ConfigLocation, options: OptionTable)] = []

    /// Parses `text`, the contents of `path`. Throws for what Python's parser rejects: a line
    /// before any section header, a line that is neither header nor option, an empty key, and a
    /// section or option given twice in the same file.
    init(path: String, text: String) throws(ConfigError) {
        self.path = path
        var lines: [Substring] = []
        // Universal newlines, as Python's text mode reads files.
        var start = text.startIndex
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "\n" || character == "\r" || character == "\r\n" {
                lines.append(text[start..<index])
                index = text.index(after: index)
                start = index
            } else {
                index = text.index(after: index)
            }
        }
        if start < text.endIndex { lines.append(text[start...]) }

        enum Current {
            case none, defaults
            case section(Int)
        }
        var current = Current.none
        var sectionNamesSeen: Set<String> = []
        var optionsSeen: Set<String> = []  // "section\u{0}key"
        var optionName: String?
        var optionLines: [String] = []
        var optionLocation = ConfigLocation(file: path, line: 0)
        var indentLevel = 0
        var sectionName = ""

        func flush() {
            guard let name = optionName else { return }
            var joined = optionLines.joined(separator: "\n")
            while let last = joined.unicodeScalars.last, last.properties.isWhitespace {
                joined.unicodeScalars.removeLast()
            }
            let value = IniValue(text: joined, location: optionLocation)
            switch current {
            case .none: break
            case .defaults: defaults[name] = value
            case .section(let position): sections[position].options[name] = value
            }
            optionName = nil
            optionLines = []
        }

        for (offset, line) in lines.enumerated() {
            let lineNumber = offset + 1
            let scalars = Array(line.unicodeScalars)
            var commentStart: Int?
            // Inline comments: ';' at the start or after a blank.
            for position in scalars.indices where scalars[position] == ";" {
                if position == 0 || scalars[position - 1].properties.isWhitespace {
                    commentStart = position
                    break
                }
            }
            let stripped = IniFile.strip(String(line))
            if stripped.hasPrefix("#") || stripped.hasPrefix(";") { commentStart = 0 }
            let content: String
            if let commentStart {
                content = IniFile.strip(String(String.UnicodeScalarView(scalars[..<commentStart])))
            } else {
                content = stripped
            }
            if content.isEmpty {
                // Blank lines belong to a value being continued; comment lines do not.
                if commentStart == nil, optionName != nil { optionLines.append("") }
                continue
            }
            let indent = scalars.firstIndex { !$0.properties.isWhitespace } ?? 0
            if optionName != nil, indent > indentLevel {
                optionLines.append(content)
                continue
            }
            flush()
            indentLevel = indent
            if content.hasPrefix("["), let close = content.lastIndex(of: "]"),
                content.index(after: content.startIndex) < close
            {
                sectionName = String(content[content.index(after: content.startIndex)..<close])
                if sectionName == "DEFAULT" {
                    current = .defaults
                } else {
                    guard sectionNamesSeen.insert(sectionName).inserted else {
                        throw ConfigError(
                            file: path, line: lineNumber, key: "",
                            message: "section [\(sectionName)] appears twice in this file")
                    }
                    sections.append(
                        (sectionName, ConfigLocation(file: path, line: lineNumber), OptionTable()))
                    current = .section(sections.count - 1)
                }
                continue
            }
            if case .none = current {
                throw ConfigError(
                    file: path, line: lineNumber, key: "",
                    message: "text before the first [section] header: '\(content)'")
            }
            guard let delimiter = content.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigError(
                    file: path, line: lineNumber, key: "",
                    message: "not a 'key = value' line, a [section] header or a comment: '\(content)'")
            }
            let key = IniFile.strip(String(content[..<delimiter])).lowercased()
            guard !key.isEmpty else {
                throw ConfigError(file: path, line: lineNumber, key: "", message: "option without a name: '\(content)'")
            }
            guard optionsSeen.insert(sectionName + "\u{0}" + key).inserted else {
                throw ConfigError(
                    file: path, line: lineNumber, key: key,
                    message: "option given twice in [\(sectionName)] of this file")
            }
            optionName = key
            optionLines = [IniFile.strip(String(content[content.index(after: delimiter)...]))]
            optionLocation = ConfigLocation(file: path, line: lineNumber)
        }
        flush()
    }

    /// Python's `str.strip()`: Unicode white space at both ends.
    static func strip(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
