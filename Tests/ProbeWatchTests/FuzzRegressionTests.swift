import Foundation
import Testing
@testable import ProbeWatch
@testable import ProbeWatchCore

/// Inputs from fuzzing (see Fuzz/README.md). Every file in Tests/Fixtures/fuzz/ is named `<target>-<what>`
/// and goes through what that fuzz target runs: the parser, then EventPipeline, then RecordEncoder. None
/// may crash, every line written must be one JSON object with one newline and fit `maxLineBytes`, and each
/// fixture must come out as its target's function below says.
private let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures/fuzz")
private let fixtures = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
    .filter { !$0.hasPrefix(".") }.sorted()

@Suite("Fuzz regressions (Tests/Fixtures/fuzz)")
struct FuzzRegressionTests {
    @Test func everyTargetHasFixtures() {
        let targets = Set(fixtures.map { String($0.prefix { $0 != "-" }) })
        #expect(targets == ["config", "jsonl", "kmsg", "udevadm", "uevent"])
    }

    @Test(arguments: fixtures)
    func fixtureIsHandledSensibly(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: directory.appendingPathComponent(name)))
        var run = PipelineRun()
        switch name.prefix(while: { $0 != "-" }) {
        case "uevent": try uevent(bytes, name, &run)
        case "udevadm": udevadm(bytes, name, &run)
        case "jsonl": try jsonl(bytes, name, &run)
        case "kmsg": kmsg(bytes, name, &run)
        case "config": return config(bytes, name)
        default:
            Issue.record("\(name): no fuzz target of that name")
            return
        }
        for line in run.lines {
            #expect(line.last == 0x0a && !line.dropLast().contains(0x0a), "\(name): not one line")
            #expect((try? JSONSerialization.jsonObject(with: Data(line))) is [String: Any], "\(name): not a JSON object")
        }
        // Every line fits, newline included: the encoder cuts event, probe and race records alike.
        let overlong = run.lines.filter { $0.count > RecordEncoder.maxLineBytes }.map(\.count)
        #expect(overlong.isEmpty, "\(name): lines of \(overlong) bytes")
    }

    /// Found by reading, not by libFuzzer (it takes 200,001 events): forgetting old SEQNUMs overflowed.
    @Test func deduplicatorForgetsSeqnumsNearTheTopOfTheRange() {
        var dedup = CaptureDeduplicator()
        let time = EventTime(realtimeUsec: nil, monotonicUsec: 1)
        let event = { (seqnum: UInt64) in UEvent(action: .change, devpath: "/devices/x", seqnum: seqnum, received: time) }
        let first = dedup.admit(event(.max))
        for seqnum in UInt64(1)...200_001 { _ = dedup.admit(event(seqnum)) }
        let highestAgain = dedup.admit(event(.max))
        let lowestAgain = dedup.admit(event(1))
        #expect(first)
        #expect(!highestAgain)  // still remembered: it is the highest
        #expect(lowestAgain)  // forgotten: 100,000 or more below the highest
    }

    // MARK: - The targets, as Fuzz/Targets/*.swift run them

    /// Kernel datagrams separated by an empty field, framed as libudev frames them.
    private func uevent(_ bytes: [UInt8], _ name: String, _ run: inout PipelineRun) throws {
        var events: [UEvent] = []
        for datagram in bytes.split(separator: 0, omittingEmptySubsequences: false).split(whereSeparator: \.isEmpty) {
            guard let header = datagram.first, String(decoding: header, as: UTF8.self).contains("@/"),
                  datagram.dropFirst().allSatisfy({ $0.contains(0x3d) }) else { continue }
            var properties = UEventProperties()
            var escaped: [String] = []
            for field in datagram.dropFirst() {
                let equals = field.firstIndex(of: 0x3d)!
                var value = field[(equals + 1)...]
                if value.last == 0x0a { value = value.dropLast() }
                let (key, keyEscaped) = UEventDecoding.decode(field[..<equals])
                let (text, valueEscaped) = UEventDecoding.decode(value)
                properties[key] = text
                if keyEscaped || valueEscaped, !escaped.contains(key) { escaped.append(key) }
            }
            let time = EventTime(realtimeUsec: nil, monotonicUsec: 5_000_000_000 + Int64(events.count) * 7_000)
            guard let event = UdevDevice.uevent(properties: properties, escapedKeys: escaped, source: .kernel,
                                                received: time) else { continue }
            events.append(event)
            run.ingest(event)
        }
        run.finish()
        switch name {
        case "uevent-invalid-utf8-everywhere":
            try #require(events.count == 2)
            #expect(events[0].problem == .nonUTF8Devpath)
            #expect(Set(events[0].escapedKeys).isSuperset(of: ["DEVPATH", "SUBSYSTEM", "DRIVER", "SEQNUM", "MODALIAS"]))
            #expect(events[0].seqnum == nil)
            #expect(events[1].driver?.hasPrefix("dr\\x5civer\\xff\\xfe") == true)  // lossless: `\` itself escaped
            #expect(events[1].problem == nil)
        case "uevent-race-line-too-long":
            #expect(events.count == 3)
            #expect(run.records.contains { if case .race(let race) = $0 { race.kind == .doubleBind } else { false } })
        default:
            #expect(!events.isEmpty, "\(name): no event")
        }
    }

    /// A `udevadm monitor` capture, read as ReplayInput reads it.
    private func udevadm(_ bytes: [UInt8], _ name: String, _ run: inout PipelineRun) {
        let lines = TextLines.split(String(decoding: bytes, as: UTF8.self))
        var parser = UdevadmTextParser()
        var dedup = CaptureDeduplicator()
        var events: [UEvent] = []
        for line in lines { parser.feed(line) { if dedup.admit($0) { events.append($0) } } }
        parser.finish { if dedup.admit($0) { events.append($0) } }
        for event in events { run.ingest(event) }
        run.finish()
        switch name {
        case "udevadm-timestamp-overflow", "udevadm-timestamp-out-of-range":
            // Seconds that overflow Int64 µs, negative, or beyond 2^53 µs: not a header, so skipped.
            #expect(events.isEmpty)
            #expect(parser.skippedLines == lines.count(where: { !$0.isEmpty }))
        case "udevadm-nul-and-invalid-utf8":
            #expect(!events.isEmpty)
            for event in events where event.devpath.utf8.contains(0) {
                #expect(event.problem == .controlCharacter)
            }
        default:
            #expect(!events.isEmpty, "\(name): no event")
        }
    }

    /// probewatch's JSON Lines, through both readers (replay's and inspect's).
    private func jsonl(_ bytes: [UInt8], _ name: String, _ run: inout PipelineRun) throws {
        let events = JSONLinesEventParser()
        let records = RecordLineParser()
        var results: [JSONLinesEventParser.LineResult] = []
        for line in TextLines.split(String(decoding: bytes, as: UTF8.self)) where !line.isEmpty {
            let result = events.parse(line)
            results.append(result)
            switch (result, records.parse(line)) {
            case (.event(let event), .record(.event(let same, _))):
                #expect(event == same)
                run.ingest(event)
            case (.event, let other):
                Issue.record("\(name): an event for replay is \(other) for inspect")
            case (.newerSchema(let schema), let other):
                // Inspect also decodes "time": a newer line with a "time" that is not a string is "not a JSON
                // object" there (Fuzz/README.md, known issues). Never a record, either way.
                #expect(other == .newerSchema(schema) || other == .invalid("not a JSON object"))
            case (_, .record(.event)):
                Issue.record("\(name): \(result) for replay is an event for inspect")
            default:
                break
            }
        }
        run.finish()
        let outOfRange = JSONLinesEventParser.LineResult.invalid("event with monotonic_usec out of range")
        switch name {
        case "jsonl-monotonic-int64-min": #expect(results == [outOfRange])
        case "jsonl-monotonic-near-max": #expect(results == [outOfRange, outOfRange, outOfRange])
        case "jsonl-newer-schema-bad-time":
            // A newer schema whose "time" is not a schema-1 string is a newer schema to replay; a raw NUL in
            // a string is not JSON whatever the schema.
            #expect(results == [.invalid("not a JSON object (raw control byte in a string at byte 21)"), .newerSchema(2)])
        case "jsonl-deeply-nested": #expect(results.allSatisfy { if case .invalid = $0 { true } else { false } })
        case "jsonl-64k-line":
            // The valid 64 KiB line is an event, cut to fit; the one with lone surrogates is refused.
            try #require(results.count == 2)
            #expect(!isNotJSON(results[0]) && isNotJSON(results[1]))
            #expect(run.lines.contains { $0.count > 1024 && String(decoding: $0, as: UTF8.self).contains("\"truncated\":true") })
        default:
            break
        }
    }

    private func isNotJSON(_ result: JSONLinesEventParser.LineResult) -> Bool {
        if case .invalid(let why) = result { why.hasPrefix("not a JSON object") } else { false }
    }

    /// A kernel log stream, split and parsed as KmsgReader does, with probes pending for dev1 to dev4.
    private func kmsg(_ bytes: [UInt8], _ name: String, _ run: inout PipelineRun) {
        let text = String(decoding: bytes, as: UTF8.self)
        let (records, rest) = KmsgRecord.split(Substring(text))
        #expect(records.map { $0 + "\n" }.joined() + rest == text)
        run.leaveProbesPending()
        var parsed: [KmsgRecord] = []
        var time = EventTime(realtimeUsec: 1_700_000_000_000_000, monotonicUsec: 1_000_040_000)
        for raw in records + [rest] {
            guard let record = KmsgRecord.parse(raw) else { continue }
            parsed.append(record)
            time.monotonicUsec += 5_000
            run.ingest(kernelLog: record, at: time)
        }
        run.finish()
        let evidence = parsed.map { ProbeEvidence($0) }
        for case let found? in evidence { #expect(!found.device.isEmpty) }
        switch name {
        case "kmsg-error-int-min":
            // printk's %d cannot print it: a record, but not a probe line.
            #expect(parsed.count == 1 && evidence == [nil])
        case "kmsg-empty-device-name":
            // `DEVICE=+:` names no device, so the name comes from the text.
            #expect(parsed.first?.deviceName == nil)
            #expect(evidence.first??.device == "v")
        default:
            #expect(!parsed.isEmpty, "\(name): no record")
        }
    }

    /// A probewatch.conf: refused as a whole or applied, and then rendered back to the same settings.
    private func config(_ bytes: [UInt8], _ name: String) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        var settings = Settings()
        do {
            try settings.apply(ConfigFile.parse(text, path: name))
        } catch {
            #expect(settings == Settings(), "\(name): a refused file changed the settings")
            #expect(error.line != nil, "\(name): \(error) names no line")
            return
        }
        var reread = Settings()
        #expect(throws: Never.self) { try reread.apply(ConfigFile.parse(settings.rendered(), path: "rendered")) }
        #expect(reread == settings)
    }
}

/// EventPipeline as the fuzz targets set it up (Fuzz/Support/FuzzSupport.swift), keeping every record and
/// its encoded line. Call `finish()` before looking at them: events wait in the reorder buffer until then.
private struct PipelineRun {
    var pipeline: EventPipeline
    var records: [Record] = []
    var lines: [[UInt8]] = []
    private var last = EventTime(realtimeUsec: nil, monotonicUsec: 0)
    private let encoder = RecordEncoder(context: RecordContext(bootID: "6f1e2d3c4b5a69788796a5b4c3d2e1f0", host: "fuzz"))

    init() {
        var configuration = ProbeTracker.Configuration()
        configuration.probeTimeoutUsec = 50_000
        configuration.timelineLimit = 4
        configuration.removedDeviceLimit = 4
        configuration.modulesForModalias = { alias in
            alias.split(separator: ":", maxSplits: 1).first.map { [String($0)] } ?? []
        }
        pipeline = EventPipeline(tracker: ProbeTracker(configuration: configuration), reorderWindowUsec: 20_000)
    }

    mutating func ingest(_ event: UEvent) {
        var out: [Record] = []
        pipeline.ingest(event) { out.append($0) }
        last = event.received
        write(out)
    }

    mutating func ingest(kernelLog record: KmsgRecord, at time: EventTime) {
        var out: [Record] = []
        pipeline.ingest(kernelLog: record, at: time) { out.append($0) }
        last = time
        write(out)
    }

    /// The driver pwtest_async registers, and dev1 to dev4 (MODALIAS pwtest_async:…) wait for its probe.
    mutating func leaveProbesPending() {
        let time = { (usec: Int64) in EventTime(realtimeUsec: 1_700_000_000_000_000, monotonicUsec: 1_000_000_000 + usec) }
        ingest(UEvent(action: .add, devpath: "/bus/pwtest/drivers/pwtest_async", subsystem: "drivers", seqnum: 1,
                      received: time(0)))
        for number in 1...4 {
            ingest(UEvent(action: .add, devpath: "/devices/pwtest/dev\(number)", subsystem: "pwtest",
                          seqnum: UInt64(1 + number), properties: ["MODALIAS": "pwtest_async:v\(number)"],
                          received: time(Int64(number))))
        }
        var out: [Record] = []
        pipeline.tick(time(30_000)) { out.append($0) }
        write(out)
        #expect(pipeline.tracker.pending.count == 4)
    }

    /// Time passes (stalls), then everything held is released and the summary written.
    mutating func finish() {
        let later = EventTime(realtimeUsec: last.realtimeUsec, monotonicUsec: last.monotonicUsec + 1_000_000)
        var out: [Record] = []
        pipeline.tick(later) { out.append($0) }
        pipeline.finish(at: later) { out.append($0) }
        write(out)
    }

    private mutating func write(_ out: [Record]) {
        records += out
        lines += out.map { encoder.line(for: $0, nowRealtimeUsec: 1_700_000_000_000_000) }
    }
}
