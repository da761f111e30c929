/// A problem in a fail2ban configuration: which file, which line, which key, and what is wrong.
///
/// `line` is 1-based; 0 when the problem has no single line (a missing directory, a value
/// assembled from several files). `key` is empty when the problem is not about one option.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    /// `FILE:LINE: KEY: MESSAGE`, leaving out the parts that are unknown.
    public var description: String {
        var text = file.isEmpty ? "" : file
        if line > 0 { text += ":\(line)" }
        if !text.isEmpty { text += ": " }
        if !key.isEmpty { text += "'\(key)': " }
        return text + message
    }
}

/// Where a configuration item was defined.
public struct ConfigLocation: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    public var description: String { "\(file):\(line)" }
}
