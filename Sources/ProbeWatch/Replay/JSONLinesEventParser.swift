import FoundationEssentials
import ProbeWatchCore

/// Reads probewatch's own `event` records back into `UEvent`s. Other record types are derived data and
/// are recomputed by the replay, so they are skipped. FoundationEssentials' JSONDecoder, not Foundation:
/// the daemon links the Swift runtime statically, and Foundation would add the ICU data to it.
public struct JSONLinesEventParser {
    public enum LineResult: Equatable {
        case event(UEvent)
        case otherRecord
        case newerSchema(Int)
        case invalid(String)
    }

    /// Any record, read once: what every record has (type, schema), and an event's fields, all optional,
    /// so one decode serves every line (a second pass would double replay's time).
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

    private let decoder = JSONDecoder()

    public init() {}

    public func parse(_ line: Substring) -> LineResult {
        guard let record = try? decoder.decode(EventRecord.self, from: Data(line.utf8)) else {
            return .invalid("not a JSON object")  // or an event whose fields have the wrong types
        }
        if let schema = record.schema, schema > RecordContext.schemaVersion { return .newerSchema(schema) }
        guard record.type == "event" else { return .otherRecord }
        return event(from: record)
    }

    private func event(from record: EventRecord) -> LineResult {
        guard let action = record.action.flatMap(UEventAction.init(rawValue:)) else {
            return .invalid("event without a known action")
        }
        guard let devpath = record.devpath else { return .invalid("event without devpath") }
        guard (0...UdevadmTextParser.maxMonotonicUsec).contains(record.monotonicUsec ?? 0) else {
            return .invalid("event with monotonic_usec out of range")
        }
        let properties = UEventProperties((record.properties ?? [:]).sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let time = EventTime(realtimeUsec: record.time.flatMap(RFC3339.parse),
                             monotonicUsec: record.monotonicUsec ?? 0)
        return .event(UEvent(
            action: action, devpath: devpath, subsystem: record.subsystem, driver: record.driver,
            seqnum: record.seqnum, properties: properties,
            source: UEvent.Source(rawValue: record.source ?? "") ?? .replay, received: time,
            escapedKeys: record.escaped ?? []))
    }
}
