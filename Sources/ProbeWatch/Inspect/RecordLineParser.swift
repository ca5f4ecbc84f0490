import FoundationEssentials
import ProbeWatchCore

/// Reads any probewatch JSON Lines record back into the core's `Record`, for the inspection commands.
/// Events go through `JSONLinesEventParser`, the replay's reader, so both read them alike.
public struct RecordLineParser {
    public enum LineResult: Equatable {
        case record(Record)
        /// A file header, or a record type this version does not know.
        case skipped
        case newerSchema(Int)
        case invalid(String)
    }

    private struct Envelope: Decodable {
        var type: String?
        var schema: Int?
        var time: String?
    }

    private let decoder = JSONDecoder()
    private let events = JSONLinesEventParser()

    public init() {}

    public func parse(_ line: Substring) -> LineResult {
        let bytes = Data(line.utf8)
        guard let envelope = try? decoder.decode(Envelope.self, from: bytes) else { return .invalid("not a JSON object") }
        if let schema = envelope.schema, schema > RecordContext.schemaVersion { return .newerSchema(schema) }
        let time = envelope.time.flatMap(RFC3339.parse)
        do {
            switch envelope.type {
            case "event": return eventRecord(line)
            case "probe":
                let probe = try decoder.decode(ProbeLine.self, from: bytes)
                guard plausible(probe.latencyUsec ?? 0) else { return .invalid("a probe with an impossible latency") }
                return .record(.probe(probe.completion(time)))
            case "race":
                let race = try decoder.decode(RaceLine.self, from: bytes)
                guard plausible(race.windowUsec) else { return .invalid("a race with an impossible window") }
                return .record(.race(race.finding(time)))
            case "lost": return .record(.lost(try decoder.decode(LostLine.self, from: bytes).lost(time)))
            case "snapshot": return .record(.snapshot(try decoder.decode(SnapshotLine.self, from: bytes).summary(time)))
            case "summary": return .record(.summary(try decoder.decode(SummaryLine.self, from: bytes).summary(time)))
            default: return .skipped
            }
        } catch {
            return .invalid("a \(envelope.type ?? "") record with missing or mistyped fields")
        }
    }

    /// Durations the views subtract from times: a forged one must not overflow them (2^53 µs, as replay).
    private func plausible(_ usec: Int64) -> Bool {
        (0...UdevadmTextParser.maxMonotonicUsec).contains(usec)
    }

    private func eventRecord(_ line: Substring) -> LineResult {
        switch events.parse(line) {
        case .event(let event): .record(.event(event, invalid: invalidReason(line)))
        case .newerSchema(let schema): .newerSchema(schema)
        case .invalid(let why): .invalid(why)
        case .otherRecord: .skipped
        }
    }

    /// Events kept out of the model carry their reason; the timeline shows it.
    private func invalidReason(_ line: Substring) -> String? {
        struct Invalid: Decodable { var invalid: String? }
        return (try? decoder.decode(Invalid.self, from: Data(line.utf8)))?.invalid
    }
}

// The shapes of the lines, as RecordEncoder writes them.

private struct ProbeLine: Decodable {
    var devpath: String
    var driver: String
    var bus: String
    var module: String?
    var mode: ProbeMode
    var latencyUsec: Int64?
    var seqnums: [UInt64]
    /// Absent in logs written before the kernel log was read: those probes all bound.
    var outcome: ProbeOutcome?
    var error: Int?

    enum CodingKeys: String, CodingKey {
        case devpath, driver, bus, module, mode, seqnums, outcome, error
        case latencyUsec = "latency_usec"
    }

    func completion(_ time: Int64?) -> ProbeCompletion {
        ProbeCompletion(devpath: devpath, driver: driver, bus: bus, module: module, mode: mode,
                        latencyUsec: latencyUsec, seqnums: seqnums, realtimeUsec: time, outcome: outcome ?? .bound,
                        error: error)
    }
}

private struct RaceLine: Decodable {
    var kind: FindingKind
    var devpath: String
    var driver: String
    var bus: String
    var module: String?
    var seqnums: [UInt64]
    var windowUsec: Int64
    var message: String
    var severity: Severity
    var explanation: String?

    enum CodingKeys: String, CodingKey {
        case kind, devpath, driver, bus, module, seqnums, message, severity, explanation
        case windowUsec = "window_usec"
    }

    func finding(_ time: Int64?) -> Finding {
        Finding(kind: kind, devpath: devpath, driver: driver, bus: bus, module: module, seqnums: seqnums,
                windowUsec: windowUsec, message: message, severity: severity, realtimeUsec: time,
                explanation: explanation)
    }
}

private struct LostLine: Decodable {
    var reason: String
    var lostCount: Int
    var afterSeqnum: UInt64?

    enum CodingKeys: String, CodingKey {
        case reason
        case lostCount = "lost_count"
        case afterSeqnum = "after_seqnum"
    }

    func lost(_ time: Int64?) -> LostEvents {
        LostEvents(reason: reason, lostCount: lostCount, afterSeqnum: afterSeqnum, realtimeUsec: time)
    }
}

private struct SnapshotLine: Decodable {
    var reason: SnapshotSummary.Reason
    var devices: Int
    var bound: Int
    var unboundWithModule: Int
    var drivers: Int

    enum CodingKeys: String, CodingKey {
        case reason, devices, bound, drivers
        case unboundWithModule = "unbound_with_module"
    }

    func summary(_ time: Int64?) -> SnapshotSummary {
        SnapshotSummary(reason: reason, devices: devices, bound: bound, unboundWithModule: unboundWithModule,
                        drivers: drivers, realtimeUsec: time)
    }
}

private struct SummaryLine: Decodable {
    var events: Int
    var malformed: Int
    var lost: Int
    var seqnumGaps: Int
    var late: Int
    var races: Int
    var probes: Int

    enum CodingKeys: String, CodingKey {
        case events, malformed, lost, late, races, probes
        case seqnumGaps = "seqnum_gaps"
    }

    func summary(_ time: Int64?) -> RunSummary {
        var summary = RunSummary()
        (summary.events, summary.malformed, summary.lost, summary.seqnumGaps) = (events, malformed, lost, seqnumGaps)
        (summary.late, summary.races, summary.probes, summary.realtimeUsec) = (late, races, probes, time)
        return summary
    }
}
