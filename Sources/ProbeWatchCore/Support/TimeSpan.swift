/// systemd-style time spans (`30s`, `500ms`, `1min 30s`, bare seconds), as users write them in units.
public enum TimeSpan {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let text: String
        public var description: String {
            "invalid time span '\(text)' (expected e.g. 30s, 500ms, 2min, 1.5s)"
        }
    }

    private static let unitUsec: [(suffix: String, usec: Double)] = [
        ("usec", 1), ("us", 1), ("µs", 1), ("msec", 1e3), ("ms", 1e3),
        ("seconds", 1e6), ("second", 1e6), ("sec", 1e6), ("s", 1e6),
        ("minutes", 60e6), ("minute", 60e6), ("min", 60e6), ("m", 60e6),
        ("hours", 3600e6), ("hour", 3600e6), ("hr", 3600e6), ("h", 3600e6),
    ]

    /// Parses to microseconds.
    public static func parseUsec(_ text: String) throws(ParseError) -> Int64 {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard !words.isEmpty else { throw ParseError(text: text) }
        var total = 0.0
        for word in words {
            total += try usec(ofWord: String(word), in: text)
        }
        guard total.isFinite, total >= 0, total < 9.2e18 else { throw ParseError(text: text) }
        return Int64(total.rounded())
    }

    private static func usec(ofWord word: String, in text: String) throws(ParseError) -> Double {
        let numberEnd = word.firstIndex(where: { !($0.isNumber || $0 == ".") }) ?? word.endIndex
        let unit = String(word[numberEnd...])
        guard let value = Double(word[..<numberEnd]), value >= 0 else { throw ParseError(text: text) }
        if unit.isEmpty { return value * 1e6 }
        guard let factor = unitUsec.first(where: { $0.suffix == unit })?.usec else {
            throw ParseError(text: text)
        }
        return value * factor
    }

    /// Formats microseconds the way humans read latencies: `850 µs`, `3.2 ms`, `1.50 s`.
    /// The console writes one per completed probe: the text is assembled in one String, without
    /// interpolations, padding Strings or a count of Characters.
    public static func describe(usec: Int64) -> String {
        if usec < 1_000 { return String(usec) + " µs" }
        if usec < 1_000_000 { return fixed(Double(usec) / 1e3, 1, unit: " ms") }
        return fixed(Double(usec) / 1e6, 2, unit: " s")
    }

    /// `value` with `digits` decimals (the value is positive here: at least one unit).
    private static func fixed(_ value: Double, _ digits: Int, unit: String) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let frac = String(scaled % Int64(scale))
        var text = String(scaled / Int64(scale))
        text.append(".")
        for _ in frac.utf8.count..<max(digits, frac.utf8.count) { text.append("0") }
        text.append(frac)
        text.append(unit)
        return text
    }
}
