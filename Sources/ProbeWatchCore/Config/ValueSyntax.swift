/// How one kind of value is spelled in the file. `render` writes what `parse` reads back to the same value.
struct ValueSyntax<Value>: Sendable {
    let parse: @Sendable (String) throws(InvalidValue) -> Value
    let render: @Sendable (Value) -> String

    /// The same syntax, refusing parsed values that break a rule ("must be <rule>").
    func requiring(_ rule: String, _ isValid: @escaping @Sendable (Value) -> Bool) -> ValueSyntax {
        ValueSyntax(parse: { [parse] text throws(InvalidValue) in
            let value = try parse(text)
            guard isValid(value) else { throw InvalidValue(message: "must be \(rule)") }
            return value
        }, render: render)
    }
}

extension ValueSyntax where Value == Bool {
    /// What systemd's parse_boolean() accepts; written back as yes/no.
    static var boolean: ValueSyntax {
        ValueSyntax(parse: { text throws(InvalidValue) in
            switch text.lowercased() {
            case "1", "yes", "y", "true", "t", "on": return true
            case "0", "no", "n", "false", "f", "off": return false
            default: throw InvalidValue(message: "invalid boolean '\(text)' (expected yes or no)")
            }
        }, render: { $0 ? "yes" : "no" })
    }
}

// Generic types cannot hold static stored properties, so the unit tables live at file scope.
private let byteSuffixes: [(suffix: Character, factor: Int)] = [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
private let spanUnits: [(unit: String, usec: Int64)] = [
    ("h", 3_600_000_000), ("min", 60_000_000), ("s", 1_000_000), ("ms", 1_000), ("us", 1),
]

extension ValueSyntax where Value == Int {
    static func integer(in range: ClosedRange<Int>) -> ValueSyntax {
        let expected = range.upperBound == .max
            ? "at least \(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)"
        return ValueSyntax(parse: { text throws(InvalidValue) in
            guard let value = Int(text), range.contains(value) else {
                throw InvalidValue(message: "invalid integer '\(text)' (expected \(expected))")
            }
            return value
        }, render: { String($0) })
    }

    /// Bytes with an optional K, M or G suffix (base 1024, as systemd's sizes); written back with the
    /// largest suffix that is exact.
    static var bytes: ValueSyntax {
        ValueSyntax(parse: { text throws(InvalidValue) in
            guard let value = parseBytes(text) else {
                throw InvalidValue(message: "invalid size '\(text)' (expected bytes or e.g. 64K, 128M, 1G)")
            }
            return value
        }, render: { value in
            guard let (suffix, factor) = byteSuffixes.first(where: { value != 0 && value % $0.factor == 0 }) else {
                return String(value)
            }
            return "\(value / factor)\(suffix)"
        })
    }

    private static func parseBytes(_ text: String) -> Int? {
        let suffix = byteSuffixes.first(where: { $0.suffix == text.last })
        let digits = suffix == nil ? Substring(text) : text.dropLast()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(digits) else {
            return nil
        }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: suffix?.factor ?? 1)
        return overflow ? nil : bytes
    }
}

extension ValueSyntax where Value == Int64 {
    /// systemd time spans through `TimeSpan.parseUsec`; written back exactly as e.g. `1min 30s`, `20ms`.
    static var timeSpan: ValueSyntax {
        ValueSyntax(parse: { text throws(InvalidValue) in
            do throws(TimeSpan.ParseError) {
                return try TimeSpan.parseUsec(text)
            } catch {
                throw InvalidValue(message: error.description)
            }
        }, render: renderSpan)
    }

    private static func renderSpan(_ usec: Int64) -> String {
        guard usec > 0 else { return "0" }
        var rest = usec
        var words: [String] = []
        for (unit, size) in spanUnits where rest >= size {
            words.append("\(rest / size)\(unit)")
            rest %= size
        }
        return words.joined(separator: " ")
    }
}

extension ValueSyntax where Value == String? {
    /// Set only to an absolute path; empty (the reset) means "not set".
    static var absolutePath: ValueSyntax { path(allowingStdout: false) }
    /// An absolute path, or `-` for stdout.
    static var absolutePathOrStdout: ValueSyntax { path(allowingStdout: true) }

    private static func path(allowingStdout: Bool) -> ValueSyntax {
        ValueSyntax(parse: { text throws(InvalidValue) in
            if allowingStdout && text == "-" { return text }
            guard text.first == "/" else {
                let expected = allowingStdout ? "an absolute path or '-' for stdout" : "an absolute path"
                throw InvalidValue(message: "'\(text)' is not \(expected)")
            }
            return text
        }, render: { $0 ?? "" })
    }
}

extension ValueSyntax where Value: RawRepresentable & CaseIterable & Sendable, Value.RawValue == String {
    /// One of the enum's raw values, spelled exactly (systemd's enums are case-sensitive).
    static var choice: ValueSyntax {
        ValueSyntax(parse: { text throws(InvalidValue) in
            guard let value = Value(rawValue: text) else {
                let names = Value.allCases.map(\.rawValue)
                let expected = names.dropLast().joined(separator: ", ") + " or " + names.last!
                throw InvalidValue(message: "invalid value '\(text)' (expected \(expected))")
            }
            return value
        }, render: { $0.rawValue })
    }
}

extension ValueSyntax where Value == String? {
    /// The same path syntax for a key that always has a path (its default when reset).
    var required: ValueSyntax<String> {
        ValueSyntax<String>(parse: { [parse] text throws(InvalidValue) in
            guard let path = try parse(text) else { throw InvalidValue(message: "a path is required") }
            return path
        }, render: { [render] in render($0) })
    }
}
