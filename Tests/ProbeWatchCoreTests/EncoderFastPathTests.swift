import Testing
@testable import ProbeWatchCore

/// The JSON log's shortcuts (literals, cached seconds, properties known plain, one buffer per sink) must
/// write exactly what the general path writes.
@Suite("Encoder fast paths write what the general path writes")
struct EncoderFastPathTests {
    let encoder = RecordEncoder(context: RecordContext(bootID: "6f1e2d3c4b5a69788796a5b4c3d2e1f0", host: "h"))

    func text(_ json: borrowing JSONWriter) -> String {
        json.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    @Test func literalsAreTheRawValues() {
        for action in UEventAction.allCases { #expect(action.literal.description == action.rawValue) }
        for source in UEvent.Source.allCases { #expect(source.literal.description == source.rawValue) }
        for mode in ProbeMode.allCases { #expect(mode.literal.description == mode.rawValue) }
        for outcome in ProbeOutcome.allCases { #expect(outcome.literal.description == outcome.rawValue) }
        let time = EventTime(realtimeUsec: 1, monotonicUsec: 1)
        let records: [Record] = [
            .event(UEvent(action: .add, devpath: "/d", received: time), invalid: nil),
            .lost(LostEvents(reason: "r", lostCount: 1, afterSeqnum: nil, realtimeUsec: 1)),
            .summary(RunSummary()),
        ]
        for record in records {
            let line = String(decoding: encoder.line(for: record, nowRealtimeUsec: 0), as: UTF8.self)
            #expect(line.hasPrefix(#"{"type":"\#(record.type)","schema":1,"#))
        }
    }

    /// Times that share a second, cross one, go back, and clamp before year 1, written one after another
    /// into one writer, as a sink's burst is.
    @Test func theCachedSecondWritesWhatFormatWrites() {
        let times: [Int64] = [
            1_795_645_437_000_000, 1_795_645_437_999_999, 1_795_645_438_000_000, 1_795_645_437_500_000,
            0, -1, -1_000_000, .min, .min + 1, .max, 951_782_400_000_001, 951_782_400_000_002,
        ]
        var json = JSONWriter(capacity: 16)
        for time in times {
            json.removeAll()
            json.time(realtimeUsec: time)
            #expect(text(json) == "\"\(RFC3339.format(realtimeUsec: time))\"", "\(time)")
        }
    }

    @Test func plainPropertiesAreCopiedAsTheEscapingPathWritesThem() {
        let pairs = [("ACTION", "add"), ("DEVPATH", "/devices/x"), ("MODALIAS", "pci:v00008086d*"), ("E", "")]
        var checked = UEventProperties(pairs)
        #expect(!checked.isPlainASCII)
        let plain = Self.builtPlain(checked)
        #expect(plain.isPlainASCII)
        let time = EventTime(realtimeUsec: 5, monotonicUsec: 5)
        func line(_ properties: UEventProperties) -> [UInt8] {
            let event = UEvent(action: .add, devpath: "/devices/x", properties: properties, received: time)
            return encoder.line(for: .event(event, invalid: nil), nowRealtimeUsec: 0)
        }
        #expect(line(plain) == line(checked))
        checked["ACTION"] = "remove"
        var changed = plain
        changed["ACTION"] = "remove"
        #expect(!changed.isPlainASCII, "a change clears what the decoder found")
        #expect(line(changed) == line(checked))
    }

    @Test func integersOfEveryLengthAreWritten() {
        var value: UInt64 = 1
        var samples: [UInt64] = [0, 9, 10, 99, 100, 101, 12_345, UInt64.max]
        for _ in 0..<19 {
            samples += [value - 1, value, value + 1]
            value *= 10
        }
        for sample in samples {
            var json = JSONWriter(capacity: 16)
            json.int(sample)
            #expect(text(json) == String(sample))
        }
    }

    /// A sink's buffer holds many lines; a line rewritten after `truncate` starts without a comma.
    @Test func linesAppendedToOneWriterAreWholeLines() {
        let time = EventTime(realtimeUsec: 7, monotonicUsec: 7)
        let records: [Record] = [
            .event(UEvent(action: .bind, devpath: "/d", driver: "drv", seqnum: 9, received: time), invalid: nil),
            .summary(RunSummary()),
        ]
        var json = JSONWriter(capacity: 16)
        for record in records { encoder.append(record, to: &json, nowRealtimeUsec: 0) }
        let separately = records.flatMap { encoder.line(for: $0, nowRealtimeUsec: 0) }
        #expect(json.withBytes(Array.init) == separately)
        let firstLength = encoder.line(for: records[0], nowRealtimeUsec: 0).count
        json.truncate(to: firstLength)
        encoder.append(records[1], to: &json, nowRealtimeUsec: 0)
        #expect(json.withBytes(Array.init) == separately)
    }

    /// What the live decoder does: the same bytes, marked as checked.
    static func builtPlain(_ properties: UEventProperties) -> UEventProperties {
        var bytes = 0
        properties.forEachUTF8 { bytes += UEventProperties.storageBytes(nameCount: $0.count, valueCount: $1.count) }
        return UEventProperties(utf8ByteCount: bytes, plainASCII: true) { builder in
            properties.forEachUTF8 { builder.append(utf8Name: $0, value: $1) }
        }
    }
}
