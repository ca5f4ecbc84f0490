import Foundation
import Testing
@testable import ProbeWatch
@testable import ProbeWatchCore

/// The byte-level reader against what it replaced and what writes the lines: RecordEncoder's lines read
/// back as the events written, and on real logs it says what the JSONDecoder reader said.
@Suite("JSON Lines reader: round trips and the JSONDecoder reader")
struct JSONLinesCompatibilityTests {
    let parser = JSONLinesEventParser()
    let encoder = RecordEncoder(context: RecordContext(bootID: "6f1e2d3c4b5a69788796a5b4c3d2e1f0", host: "h\u{1}\"ö"))

    static let allControlBytes = String(decoding: Array(0x00...0x1f) + [0x7f, 0x22, 0x5c, 0x2f], as: UTF8.self)
    static let time = EventTime(realtimeUsec: 1_795_645_437_123_456, monotonicUsec: 7_000_001)

    static let events = [
        UEvent(action: .bind, devpath: "/devices/pci0000:00/0000:00:1f.3", subsystem: "pci", driver: "snd_hda_intel",
               seqnum: 4711, properties: ["ACTION": "bind", "DEVPATH": "/devices/pci0000:00/0000:00:1f.3",
                                          "DRIVER": "snd_hda_intel", "SEQNUM": "4711", "SUBSYSTEM": "pci"],
               source: .kernel, received: time),
        UEvent(action: .change, devpath: "/devices/x" + allControlBytes, subsystem: allControlBytes,
               driver: "drv" + allControlBytes, seqnum: .max,
               properties: [allControlBytes: allControlBytes, "Z": "", "Ä€😀": "\u{FEFF}ü\u{301}", "K\\xff": "\\x5cv\\xfe"],
               source: .udev, received: EventTime(realtimeUsec: 0, monotonicUsec: UdevadmTextParser.maxMonotonicUsec),
               escapedKeys: ["K\\xff", "Z"]),
        UEvent(action: .offline, devpath: "/devices/y", source: .replay,
               received: EventTime(realtimeUsec: -1_000_001, monotonicUsec: 0)),
    ]

    func line(_ event: UEvent) -> [UInt8] {
        Array(encoder.line(for: .event(event, invalid: "hostile \u{0}"), nowRealtimeUsec: 0).dropLast())
    }

    func parse(_ line: [UInt8]) -> JSONLinesEventParser.LineResult {
        line.withUnsafeBytes { parser.parse($0) }
    }

    @Test(arguments: events.indices)
    func encodedEventsReadBackEqual(_ index: Int) {
        #expect(parse(line(Self.events[index])) == .event(Self.events[index]))
    }

    @Test func truncatedLinesReadBackAsTheCutEvent() {
        var big = Self.events[1]
        big.properties = UEventProperties((0..<40).map { ("P\($0)", String(repeating: "\u{1}x", count: 3000)) })
        big.devpath = "/devices/" + String(repeating: "\u{2}", count: 4000)
        let encoded = line(big)
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""truncated":true"#))
        guard case .event(let cut) = parse(encoded) else {
            Issue.record("\(parse(encoded))")
            return
        }
        #expect(cut.action == big.action && cut.seqnum == big.seqnum && cut.received == big.received)
        #expect(cut.devpath.hasPrefix("/devices/\u{2}") && cut.devpath.hasSuffix("bytes cut]"))
        #expect(parse(line(cut)) == .event(cut))
    }

    @Test func recordTimeTextAgreesWithRFC3339() {
        var generator = SeededGenerator(seed: 3339)
        var times: [Int64] = [0, -1, 1, 951_782_400_000_000, 4_107_542_399_999_999, -62_135_596_800_000_000,
                              253_402_300_799_999_999, 1_767_225_599_999_999]
        for _ in 0..<20_000 { times.append(Int64.random(in: -62_135_596_800_000_000...253_402_300_799_999_999, using: &generator)) }
        for usec in times {
            var text = RFC3339.format(realtimeUsec: usec)
            let fast = text.withUTF8 { RecordTimeText.encoderForm(UnsafeRawBufferPointer($0)) }
            #expect(fast == RFC3339.parse(text) && fast == usec, "\(text)")
        }
        for text in ["2024-02-30T00:00:00.000000Z", "2023-13-01T00:00:00.000000Z", "2023-12-01T24:00:00.000000Z",
                     "2016-12-31T23:59:60.999999Z", "0000-01-01T00:00:00.000000Z", "2023-12-01T10:00:00.00000aZ",
                     "2023-12-01 10:00:00.000000Z", "2023-12-01T10:00:00.000000z", "2023-12-01T10:00:00Z"] {
            var copy = text
            let fast = copy.withUTF8 { RecordTimeText.realtimeUsec(UnsafeRawBufferPointer($0)) }
            #expect(fast == RFC3339.parse(text), "\(text)")
        }
    }

    /// With the second of the previous time kept, a sequence of times reads as each does alone: within a
    /// second, across seconds and days, and after a time that was not valid.
    @Test func recordTimeTextWithTheSecondKeptAgreesWithoutIt() {
        var generator = SeededGenerator(seed: 86_400)
        var usec: Int64 = 1_767_225_590_000_000
        var texts: [String] = []
        for _ in 0..<5_000 {
            usec += Int64.random(in: 0...400_000, using: &generator) * (Bool.random(using: &generator) ? 1 : 250)
            texts.append(RFC3339.format(realtimeUsec: usec))
        }
        let odd = ["2024-02-30T00:00:00.000000Z", "2026-01-01T00:00:00.00000aZ", "2026-01-01T00:00:00.000000z",
                   "2026-01-01T00:00:00Z", "2026-01-01 00:00:00.000000Z", "2025-12-31T23:59:59.999999Z"]
        texts.insert(contentsOf: odd, at: texts.count / 2)
        let cache = RecordTimeText.SecondCache()
        for text in texts + odd + texts.prefix(100) {
            var copy = text
            let kept = copy.withUTF8 { RecordTimeText.realtimeUsec(UnsafeRawBufferPointer($0), cache: cache) }
            #expect(kept == RFC3339.parse(text), "\(text)")
        }
    }

    // MARK: - Against the JSONDecoder reader

    /// Every line of the jsonl corpus and the fuzz fixtures: the same answer, reasons aside.
    @Test func realLogsReadAsBefore() throws {
        let lines = try corpusLines()
        #expect(lines.count > 50)
        for line in lines {
            let (new, old) = (parser.parse(line), LegacyJSONLinesEventParser().parse(line))
            switch (new, old) {
            case (.invalid, .invalid): continue
            case (.newerSchema, .invalid("not a JSON object")) where line.contains(#""schema":2"#): continue  // the fixed wart
            default: #expect(new == old, "\(line.prefix(300))")
            }
        }
    }

    /// Lines mutated at random: never an event the old reader did not read the same way, and where the old
    /// reader read an event the new one does not, only because the line is not strict JSON.
    @Test func mutatedLinesNeverGainEvents() throws {
        let lines = try corpusLines().filter { $0.contains(#""type":"event""#) }
        let inserts = Array(#",":{}[]"\-0e .é"#.utf8) + [0x01, 0xff]
        var generator = SeededGenerator(seed: 42)
        for round in 0..<3_000 {
            var bytes = Array(lines[round % lines.count].utf8)
            for _ in 0...Int.random(in: 0...2, using: &generator) where !bytes.isEmpty {
                let at = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes.remove(at: at)
                case 1: bytes.insert(inserts.randomElement(using: &generator) ?? 0, at: at)
                default: bytes[at] = inserts.randomElement(using: &generator) ?? 0
                }
            }
            let line = Substring(String(decoding: bytes, as: UTF8.self))
            let (new, old) = (parser.parse(line), LegacyJSONLinesEventParser().parse(line))
            if case .event = new { #expect(new == old, "\(line)") }
            if case .event = old, new != old {
                guard case .invalid(let why) = new, why.hasPrefix("not a JSON object") else {
                    Issue.record("old \(old), new \(new): \(line)")
                    continue
                }
            }
        }
    }

    private func corpusLines() throws -> [Substring] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var lines: [Substring] = []
        for directory in ["Fuzz/corpus/jsonl", "Tests/Fixtures/fuzz"] {
            let folder = root.appendingPathComponent(directory)
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            where name.hasPrefix("jsonl") || name.hasSuffix(".jsonl") {
                let text = String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
                lines += TextLines.split(text).filter { !$0.allSatisfy(\.isWhitespace) }
            }
        }
        lines += Self.events.map { Substring(String(decoding: line($0), as: UTF8.self)) }
        return lines
    }
}

/// The reader replay used before the byte-level one (JSONDecoder into an all-optional Decodable), kept
/// here as the reference the new one is held to.
private struct LegacyJSONLinesEventParser {
    private struct EventRecord: Decodable {
        var type: String?
        var schema: Int?
        var action: String?
        var devpath: String?
        var subsystem: String?
        var driver: String?
        var seqnum: UInt64?
        var source: String?
        var time: String?
        var monotonicUsec: Int64?
        var properties: [String: String]?
        var escaped: [String]?

        enum CodingKeys: String, CodingKey {
            case type, schema, action, devpath, subsystem, driver, seqnum, source, time, properties, escaped
            case monotonicUsec = "monotonic_usec"
        }
    }

    func parse(_ line: Substring) -> JSONLinesEventParser.LineResult {
        guard let record = try? JSONDecoder().decode(EventRecord.self, from: Data(line.utf8)) else {
            return .invalid("not a JSON object")
        }
        if let schema = record.schema, schema > RecordContext.schemaVersion { return .newerSchema(schema) }
        guard record.type == "event" else { return .otherRecord }
        guard let action = record.action.flatMap(UEventAction.init(rawValue:)) else {
            return .invalid("event without a known action")
        }
        guard let devpath = record.devpath else { return .invalid("event without devpath") }
        guard (0...UdevadmTextParser.maxMonotonicUsec).contains(record.monotonicUsec ?? 0) else {
            return .invalid("event with monotonic_usec out of range")
        }
        let properties = UEventProperties((record.properties ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let time = EventTime(realtimeUsec: record.time.flatMap(RFC3339.parse), monotonicUsec: record.monotonicUsec ?? 0)
        return .event(UEvent(
            action: action, devpath: devpath, subsystem: record.subsystem, driver: record.driver,
            seqnum: record.seqnum, properties: properties,
            source: UEvent.Source(rawValue: record.source ?? "") ?? .replay, received: time,
            escapedKeys: record.escaped ?? []))
    }
}
