/// One configuration file in systemd's syntax (journald.conf and friends): `[Section]` headers,
/// `Key=Value` lines, `#` and `;` comment lines. Parsing only checks the syntax; `Settings.apply`
/// decides which sections, keys and values mean something.
public struct ConfigFile: Sendable {
    public struct Entry: Sendable, Equatable {
        public var section: String
        public var key: String
        /// Trimmed; empty means "back to the default", as in systemd.
        public var value: String
        public var line: Int

        public init(section: String, key: String, value: String, line: Int) {
            self.section = section
            self.key = key
            self.value = value
            self.line = line
        }
    }

    public var path: String
    public var entries: [Entry]

    public init(path: String, entries: [Entry]) {
        self.path = path
        self.entries = entries
    }

    public static func parse(_ text: String, path: String) throws(ConfigError) -> ConfigFile {
        var file = ConfigFile(path: path, entries: [])
        var section: String?
        for (index, rawLine) in lines(of: text).enumerated() {
            let line = index + 1
            let content = rawLine.trimmingBlanks()
            if content.isEmpty || content.first == "#" || content.first == ";" { continue }
            if content.first == "[" {
                section = try sectionName(content, path: path, line: line)
                continue
            }
            file.entries.append(try entry(content, in: section, path: path, line: line))
        }
        return file
    }

    /// `\n` and `\r\n` both end a line (`\r\n` is one Character); a UTF-8 byte order mark is dropped.
    private static func lines(of text: String) -> [Substring] {
        let body = text.first == "\u{FEFF}" ? text.dropFirst() : Substring(text)
        return body.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    private static func sectionName(_ content: Substring, path: String, line: Int) throws(ConfigError) -> String {
        guard content.count >= 2, content.last == "]" else {
            throw ConfigError(path: path, line: line, message: "unterminated section header '\(content)'")
        }
        let name = content.dropFirst().dropLast().trimmingBlanks()
        guard !name.isEmpty else { throw ConfigError(path: path, line: line, message: "empty section name") }
        return String(name)
    }

    private static func entry(_ content: Substring, in section: String?, path: String,
                              line: Int) throws(ConfigError) -> Entry {
        guard let equals = content.firstIndex(of: "=") else {
            throw ConfigError(path: path, line: line, section: section,
                              message: "'\(content)' is neither Key=Value, a [Section] header nor a comment")
        }
        let key = String(content[..<equals].trimmingBlanks())
        let value = String(content[content.index(after: equals)...].trimmingBlanks())
        guard !key.isEmpty else {
            throw ConfigError(path: path, line: line, section: section,
                              message: "missing key before '=' in '\(content)'")
        }
        guard let section else {
            throw ConfigError(path: path, line: line, key: key, message: "key before any [Section] header")
        }
        return Entry(section: section, key: key, value: value, line: line)
    }
}

private extension Substring {
    /// systemd trims spaces and tabs (and the `\r` of a CRLF file) around lines, keys and values.
    func trimmingBlanks() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let start = firstIndex(where: { !isBlank($0) }), let end = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[start...end]
    }
}
