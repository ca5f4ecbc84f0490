import ProbeWatchCore

/// A record's `time`, read from its bytes. RecordEncoder always writes `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`; that
/// form is read here without making a String of it (one per event), anything else goes to `RFC3339.parse`.
/// Both give the same value for the same text (tested).
enum RecordTimeText {
    /// The date and time up to the second of the last time read in the encoder's form, by its first 19
    /// bytes: a log's lines mostly share their second, and reading the date took most of the time field.
    /// One per file being read, on one thread.
    final class SecondCache {
        @exclusivity(unchecked) fileprivate var prefix: (UInt64, UInt64, UInt64)?
        @exclusivity(unchecked) fileprivate var seconds: Int64 = 0
    }

    static func realtimeUsec(_ text: UnsafeRawBufferPointer, cache: SecondCache? = nil) -> Int64? {
        encoderForm(text, cache: cache) ?? RFC3339.parse(String(decoding: text, as: UTF8.self))
    }

    /// nil when the text is not exactly in the encoder's form, or not a valid time in it.
    static func encoderForm(_ text: UnsafeRawBufferPointer, cache: SecondCache? = nil) -> Int64? {
        guard text.count == 27, let base = text.baseAddress else { return nil }
        // The fixed bytes and the digits are checked together, through pointers: the length is known, and
        // a bounds check and an optional per digit made this the costliest field of a line.
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        guard bytes[19] == 0x2e, bytes[26] == 0x5a else { return nil }
        var invalid = false
        let micros = digits(bytes, 20, 6, &invalid)
        guard !invalid else { return nil }
        // Bytes 0-7, 8-15 and 11-18: the whole `YYYY-MM-DDTHH:MM:SS`.
        let prefix = (base.loadUnaligned(as: UInt64.self), base.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
                      base.loadUnaligned(fromByteOffset: 11, as: UInt64.self))
        if let cache, let cached = cache.prefix, cached == prefix { return cache.seconds * 1_000_000 + micros }
        guard let seconds = seconds(bytes) else { return nil }
        cache?.prefix = prefix
        cache?.seconds = seconds
        return seconds * 1_000_000 + micros
    }

    /// The seconds since the epoch of `YYYY-MM-DDTHH:MM:SS` at `bytes`; nil when it is not a valid one.
    private static func seconds(_ bytes: UnsafePointer<UInt8>) -> Int64? {
        guard bytes[4] == 0x2d, bytes[7] == 0x2d, bytes[10] == 0x54, bytes[13] == 0x3a, bytes[16] == 0x3a
        else { return nil }
        var invalid = false
        let year = digits(bytes, 0, 4, &invalid), month = digits(bytes, 5, 2, &invalid)
        let day = digits(bytes, 8, 2, &invalid), hour = digits(bytes, 11, 2, &invalid)
        let minute = digits(bytes, 14, 2, &invalid), second = digits(bytes, 17, 2, &invalid)
        guard !invalid, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        return RFC3339.daysSinceEpoch(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second
    }

    /// The decimal value of `count` (at most 6) digits at `start`; sets `invalid` for a byte that is not one.
    @inline(__always)
    private static func digits(_ bytes: UnsafePointer<UInt8>, _ start: Int, _ count: Int, _ invalid: inout Bool) -> Int64 {
        var value: Int64 = 0
        for index in start..<start + count {
            let digit = bytes[index] &- 0x30
            invalid = invalid || digit >= 10
            value = value &* 10 &+ Int64(digit)
        }
        return value
    }
}
