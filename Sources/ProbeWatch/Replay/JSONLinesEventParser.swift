import Foundation
import ProbeWatchCore

/// Reads probewatch's own `event` records back into `UEvent`s. Other record types are derived data and
/// are recomputed by the replay, so they are skipped.
public struct JSONLinesEventParser {
    public enum LineResult: Equatable {
        case event(UEvent)
        case otherRecord
        case newerSchema(Int)
        case invalid(String)
    }

    public init() {}

    public func parse(_ line: Substring) -> LineResult {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
            return .invalid("not a JSON object")
        }
        if let schema = object["schema"] as? Int, schema > RecordContext.schemaVersion {
            return .newerSchema(schema)
        }
        guard object["type"] as? String == "event" else { return .otherRecord }
        guard let actionName = object["action"] as? String, let action = UEventAction(rawValue: actionName) else {
            return .invalid("event without a known action")
        }
        guard let devpath = object["devpath"] as? String else { return .invalid("event without devpath") }
        let dictionary = (object["properties"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
        let properties = UEventProperties(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        let time = EventTime(
            realtimeUsec: (object["time"] as? String).flatMap(RFC3339.parse),
            monotonicUsec: (object["monotonic_usec"] as? NSNumber)?.int64Value ?? 0)
        return .event(UEvent(
            action: action, devpath: devpath, subsystem: object["subsystem"] as? String,
            driver: object["driver"] as? String, seqnum: (object["seqnum"] as? NSNumber)?.uint64Value,
            properties: properties, source: UEvent.Source(rawValue: object["source"] as? String ?? "") ?? .replay,
            received: time, escapedKeys: object["escaped"] as? [String] ?? []))
    }
}
