/// RFC 3339 UTC timestamps with microseconds, computed without Foundation because one is formatted per
/// record on the hot path.
public enum RFC3339 {
    /// 0001-01-01T00:00:00Z.
    static let earliestUsec: Int64 = -62_135_596_800_000_000

    /// The most `write` writes: a six-digit year (Int64 microseconds reach 294,247) and the rest.
    static let maxBytes = 32

    public static func format(realtimeUsec: Int64) -> String {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: maxBytes) { buffer in
            let count = write(realtimeUsec: realtimeUsec, to: buffer.baseAddress!)
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<count]), as: UTF8.self)
        }
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.uuuuuuZ` (at most `maxBytes`) and returns how many bytes it wrote.
    static func write(realtimeUsec: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let (second, micros) = split(realtimeUsec)
        let count = writeSecond(second, to: out)
        return count + writeFraction(micros, to: out + count)
    }

    /// Whole seconds and the microseconds past them. Before year 1 there is no RFC 3339 time, and near
    /// Int64.min the arithmetic would overflow: such times are written as year 1.
    static func split(_ realtimeUsec: Int64) -> (second: Int64, micros: Int64) {
        let realtimeUsec = max(realtimeUsec, earliestUsec)
        let second = floorDiv(realtimeUsec, 1_000_000)
        return (second, realtimeUsec - second * 1_000_000)
    }

    /// `YYYY-MM-DDTHH:MM:SS.` of a second since the epoch (not before year 1).
    static func writeSecond(_ seconds: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        var at = writeDigits(year, width: 4, to: out, then: 0x2d)
        at += writeDigits(month, width: 2, to: out + at, then: 0x2d)
        at += writeDigits(day, width: 2, to: out + at, then: 0x54)
        at += writeDigits(secondOfDay / 3600, width: 2, to: out + at, then: 0x3a)
        at += writeDigits(secondOfDay / 60 % 60, width: 2, to: out + at, then: 0x3a)
        return at + writeDigits(secondOfDay % 60, width: 2, to: out + at, then: 0x2e)
    }

    /// `uuuuuuZ`.
    static func writeFraction(_ micros: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
        writeDigits(micros, width: 6, to: out, then: 0x5a)
    }

    /// `write` for a stream of times that mostly share their second, as the records of a burst do: the
    /// date arithmetic is done once per second, and the rest is a copy.
    struct SecondCache {
        private var second: Int64 = .min
        private var count = 0
        private var text: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // maxBytes

        mutating func write(realtimeUsec: Int64, to out: UnsafeMutablePointer<UInt8>) -> Int {
            let (second, micros) = split(realtimeUsec)
            if second != self.second {
                count = withUnsafeMutableBytes(of: &text) {
                    writeSecond(second, to: $0.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
                self.second = second
            }
            withUnsafeBytes(of: text) { UnsafeMutableRawPointer(out).copyMemory(from: $0.baseAddress!, byteCount: count) }
            return count + writeFraction(micros, to: out + count)
        }
    }

    /// At least `width` digits (more for a year past 9999), then `separator`; negatives are written as 0.
    private static func writeDigits(_ value: Int64, width: Int, to out: UnsafeMutablePointer<UInt8>,
                                    then separator: UInt8) -> Int {
        var rest = max(0, value)
        var digits = 1
        var limit: Int64 = 10
        while rest >= limit, digits < 19 {
            digits += 1
            limit *= 10
        }
        let count = max(width, digits)
        for index in stride(from: count - 1, through: 0, by: -1) {
            out[index] = 0x30 + UInt8(rest % 10)
            rest /= 10
        }
        out[count] = separator
        return count + 1
    }

    /// Parses what `format` writes (and offsets other than Z); nil on anything else.
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == 0x2d, bytes[7] == 0x2d, bytes[10] == 0x54 || bytes[10] == 0x20,
            bytes[13] == 0x3a, bytes[16] == 0x3a,
            let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
            let hour = number(bytes, 11, 2), let minute = number(bytes, 14, 2), let second = number(bytes, 17, 2),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var micros: Int64 = 0
        if index < bytes.count, bytes[index] == 0x2e {
            index += 1
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                if digits < 6 { micros = micros * 10 + Int64(bytes[index] - 0x30) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in min(digits, 6)..<6 { micros *= 10 }
        }
        guard let offset = offsetSeconds(bytes, from: index) else { return nil }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return seconds * 1_000_000 + micros
    }

    private static func offsetSeconds(_ bytes: [UInt8], from index: Int) -> Int64? {
        guard index < bytes.count else { return nil }
        if bytes[index] == 0x5a || bytes[index] == 0x7a { return index + 1 == bytes.count ? 0 : nil }
        guard bytes.count == index + 6, bytes[index] == 0x2b || bytes[index] == 0x2d, bytes[index + 3] == 0x3a,
            let hours = number(bytes, index + 1, 2), let minutes = number(bytes, index + 4, 2)
        else { return nil }
        let sign: Int64 = bytes[index] == 0x2b ? 1 : -1
        return sign * (hours * 3600 + minutes * 60)
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for byte in bytes[start..<start + count] {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    private static func civilDate(daysSinceEpoch z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to a civil date (proleptic Gregorian); also the replay's fast time reader's.
    public static func daysSinceEpoch(year y0: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
