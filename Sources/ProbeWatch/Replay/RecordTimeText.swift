import ProbeWatchCore

/// A record's `time`, read from its bytes. RecordEncoder always writes `YYYY-MM-DDTHH:MM:SS.uuuuuuZ`; that
/// form is read here without making a String of it (one per event), anything else goes to `RFC3339.parse`.
/// Both give the same value for the same text (tested).
enum RecordTimeText {
    static func realtimeUsec(_ text: UnsafeRawBufferPointer) -> Int64? {
        encoderForm(text) ?? RFC3339.parse(String(decoding: text, as: UTF8.self))
    }

    /// nil when the text is not exactly in the encoder's form, or not a valid time in it.
    static func encoderForm(_ text: UnsafeRawBufferPointer) -> Int64? {
        guard text.count == 27, text[4] == 0x2d, text[7] == 0x2d, text[10] == 0x54, text[13] == 0x3a,
              text[16] == 0x3a, text[19] == 0x2e, text[26] == 0x5a,
              let year = digits(text, 0, 4), let month = digits(text, 5, 2), let day = digits(text, 8, 2),
              let hour = digits(text, 11, 2), let minute = digits(text, 14, 2), let second = digits(text, 17, 2),
              let micros = digits(text, 20, 6),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        let days = RFC3339.daysSinceEpoch(year: year, month: month, day: day)
        return (days * 86_400 + hour * 3600 + minute * 60 + second) * 1_000_000 + micros
    }

    private static func digits(_ text: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> Int64? {
        var value: Int64 = 0
        for index in start..<start + count {
            let digit = text[index] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        return value
    }
}
