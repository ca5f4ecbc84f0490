/// A configuration problem, located as precisely as the reader knows it, so the user can go straight to
/// the line: `/etc/probewatch/probewatch.conf:12: [Journal] Foo: unknown key`.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public var path: String
    public var line: Int?
    public var section: String?
    public var key: String?
    /// The offending value, when the value (not the key) is what is wrong.
    public var value: String?
    public var message: String

    public init(path: String, line: Int? = nil, section: String? = nil, key: String? = nil, value: String? = nil,
                message: String) {
        self.path = path
        self.line = line
        self.section = section
        self.key = key
        self.value = value
        self.message = message
    }

    public var description: String {
        var text = path
        if let line { text += ":\(line)" }
        if let subject { text += ": \(subject)" }
        return text + ": " + message
    }

    /// `[Section] Key=value`, or as much of it as is known.
    private var subject: String? {
        var parts: [String] = []
        if let section { parts.append("[\(section)]") }
        if let key { parts.append(value.map { "\(key)=\($0)" } ?? key) }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }
}
