// Fuzz target: probewatch's JSON Lines log, as `probewatch replay` (JSONLinesEventParser) and the
// inspection commands (RecordLineParser) read it.
//
// Input: the log file's bytes, decoded as UTF-8 (invalid bytes become U+FFFD) and split at `\n` bytes
// (TextLines.split) like RecordInput does (ReplayInput splits the bytes: the same lines). Each non-blank
// line goes to both parsers, which must agree about events and newer schemas, and to replay's reader
// without event records, which must read it alike (its event cut to the tracker's properties). Every record
// RecordLineParser returns is encoded again with RecordEncoder and must read back as itself; the events
// are replayed through EventPipeline like `probewatch replay` does, and the records the pipeline emits
// are checked the same way.
import FoundationEssentials
@testable import ProbeWatch
import ProbeWatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLines(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let events = JSONLinesEventParser()
    let tracked = JSONLinesEventParser(keepsAllProperties: false)
    let records = RecordLineParser()
    let encoder = RecordEncoder(context: RecordContext(bootID: "6f1e2d3c4b5a69788796a5b4c3d2e1f0", host: "fuzz"))
    var harness = PipelineHarness()
    harness.lineCheck = RoundTrip.check
    for line in TextLines.split(text) where !line.allSatisfy(\.isWhitespace) {
        let asEvent = events.parse(line)
        let asRecord = records.parse(line)
        checkTrackedSelection(tracked.parse(line), against: asEvent)
        switch (asEvent, asRecord) {
        case (.event(let event), .record(.event(let same, _))):
            require(event == same, "the two readers read different events")
        case (.event, _):
            require(false, "an event for JSONLinesEventParser is \(asRecord) for RecordLineParser")
        case (.newerSchema(let schema), _):
            // Known and left as is: RecordLineParser's envelope decodes "type" and "time" as strings, so a
            // newer schema line where either is not one is "not a JSON object" there (Fuzz/README.md).
            // JSONLinesEventParser reads the schema first and calls it newer whatever its other fields are.
            require(asRecord == .newerSchema(schema) || (asRecord == .invalid("not a JSON object") && envelopeIsMistyped(line)),
                    "newer schema \(schema) is \(asRecord) for RecordLineParser")
        case (_, .record(.event)):
            require(false, "\(asEvent) for JSONLinesEventParser is an event for RecordLineParser")
        default:
            break
        }
        // Not a path probewatch takes (inspect does not write records back), but it holds the encoder and
        // the readers to one schema for every record type. Int64.min is skipped: JSONWriter.int traps on it
        // (-Int64.min overflows), a known bug in the writer, not the readers (Fuzz/README.md).
        if case .record(let record) = asRecord, !holdsInt64Min(record) {
            let encoded = encoder.line(for: record, nowRealtimeUsec: PipelineHarness.nowRealtimeUsec)
            PipelineHarness.checkLine(encoded, of: record)
            RoundTrip.check(record, encoded)
        }
        if case .event(let event) = asEvent { harness.ingest(event) }
    }
    harness.finish()
    return 0
}

/// Replay without event records reads the same line as the full read does, its event cut down to the
/// properties the tracker reads (or whole, when a name might equal one of those only as a String).
private func checkTrackedSelection(_ cut: JSONLinesEventParser.LineResult, against full: JSONLinesEventParser.LineResult) {
    guard case .event(let event) = full else {
        return require(cut == full, "the tracker's selection read \(cut) where the full read gave \(full)")
    }
    var trackedOnly = event
    trackedOnly.properties = UEventProperties()
    for property in event.properties where UEvent.propertiesReadByTracker.contains(where: { "\($0)" == property.name }) {
        trackedOnly.properties.appendUnique(property.name, property.value)
    }
    require(cut == .event(event) || cut == .event(trackedOnly), "the tracker's selection read \(cut), not \(trackedOnly)")
}

private func envelopeIsMistyped(_ line: Substring) -> Bool {
    struct Envelope: Decodable { var type: String?; var time: String? }
    return (try? JSONDecoder().decode(Envelope.self, from: Data(line.utf8))) == nil
}

private func holdsInt64Min(_ record: Record) -> Bool {
    switch record {
    case .event(let event, _): event.received.monotonicUsec == .min
    case .probe(let probe): probe.latencyUsec == .min || probe.error == .min
    case .race(let finding): finding.windowUsec == .min
    case .lost(let lost): lost.lostCount == .min
    case .snapshot(let snapshot):
        [snapshot.devices, snapshot.bound, snapshot.unboundWithModule, snapshot.drivers].contains(.min)
    case .summary(let summary):
        [summary.events, summary.malformed, summary.lost, summary.seqnumGaps, summary.late, summary.races,
         summary.probes].contains(.min)
    }
}
