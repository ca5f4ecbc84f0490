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

    /// Formats microseconds the way humans read latencies: `850 µs`, `3.2 ms`, `1.50 s` (rounded half up).
    public static func describe(usec: Int64) -> String {
        String(unsafeUninitializedCapacity: maxDescriptionBytes) { writeDescription(usec: usec, to: $0.baseAddress!) }
    }

    /// Room `writeDescription` may need: `-9223372036854775808 µs` is 24 bytes.
    public static let maxDescriptionBytes = 32

    /// Writes `describe(usec:)` as UTF-8 to `target`, which has room for `maxDescriptionBytes`, and
    /// returns how many bytes it wrote. The console writes one per completed probe: integers keep it free
    /// of Doubles and intermediate Strings.
    public static func writeDescription(usec: Int64, to target: UnsafeMutablePointer<UInt8>) -> Int {
        var at = target
        if usec < 1_000 {
            at = writeInteger(usec, to: at)
            at = write(" µs", to: at)
        } else if usec < 1_000_000 {
            at = writeFixed(usec, step: 100, decimals: 1, to: at)
            at = write(" ms", to: at)
        } else {
            at = writeFixed(usec, step: 10_000, decimals: 2, to: at)
            at = write(" s", to: at)
        }
        return at - target
    }

    /// `usec` (positive) in units of `step` × 10^decimals, with `decimals` decimals.
    private static func writeFixed(_ usec: Int64, step: Int64, decimals: Int, to target: UnsafeMutablePointer<UInt8>)
        -> UnsafeMutablePointer<UInt8> {
        let scaled = usec / step + (usec % step >= step / 2 ? 1 : 0)
        var divisor: Int64 = 1
        for _ in 0..<decimals { divisor *= 10 }
        var at = writeInteger(scaled / divisor, to: target)
        at.pointee = 0x2e
        at += 1
        var fraction = scaled % divisor
        while divisor > 1 {
            divisor /= 10
            at.pointee = 0x30 + UInt8(fraction / divisor)
            at += 1
            fraction %= divisor
        }
        return at
    }

    private static func writeInteger(_ value: Int64, to target: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var at = target
        if value < 0 {
            at.pointee = 0x2d
            at += 1
        }
        return at + DecimalText.write(value.magnitude, to: at)
    }

    private static func write(_ literal: StaticString, to target: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        target.update(from: literal.utf8Start, count: literal.utf8CodeUnitCount)
        return target + literal.utf8CodeUnitCount
    }
}
