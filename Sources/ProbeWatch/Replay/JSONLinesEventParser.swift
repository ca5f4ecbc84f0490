import ProbeWatchCore

/// Reads probewatch's own `event` records back into `UEvent`s. Other record types are derived data and
/// are recomputed by the replay, so they are skipped. The line is read from its bytes by EventLineScanner,
/// not by JSONDecoder: decoding each line into a Decodable cost replay half of its time.
public struct JSONLinesEventParser {
    public enum LineResult: Equatable {
        case event(UEvent)
        case otherRecord
        case newerSchema(Int)
        case invalid(String)
    }

    /// False when no record will show a valid event (replay without event records): then a valid event
    /// keeps only the properties the tracker reads, and building the rest, most of a line, is skipped.
    /// An invalid event is written whatever the settings, so it keeps them all.
    public var keepsAllProperties: Bool
    /// Shared by the copies of a parser, which read one file's lines in order on one thread.
    private let times = RecordTimeText.SecondCache()

    public init(keepsAllProperties: Bool = true) {
        self.keepsAllProperties = keepsAllProperties
    }

    public func parse(_ line: Substring) -> LineResult {
        var line = line
        return line.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// One line, without its newline.
    public func parse(_ line: UnsafeRawBufferPointer) -> LineResult {
        parse(line, properties: keepsAllProperties ? .all : .readByTracker)
    }

    private func parse(_ line: UnsafeRawBufferPointer, properties: PropertyListBuilder.Selection) -> LineResult {
        let fields: EventLineFields
        do {
            fields = try EventLineScanner.scan(line, properties: properties, times: times)
        } catch {
            return .invalid(error.description)
        }
        if fields.propertiesMayLackTrackedOnes { return parse(line, properties: .all) }
        if fields.schemaMistyped { return .invalid("schema is not an integer") }
        // Before any other check: a newer probewatch may have changed what the other fields are.
        if let schema = fields.schema, schema > RecordContext.schemaVersion { return .newerSchema(schema) }
        if fields.typeMistyped { return .invalid("type is not a string") }
        guard fields.type == .event else { return .otherRecord }
        if let field = fields.mistyped { return .invalid("event whose \(field) has the wrong type") }
        return event(from: fields, line: line, properties: properties)
    }

    /// Consumes the fields: their Strings and properties move into the event instead of being copied.
    private func event(from fields: consuming EventLineFields, line: UnsafeRawBufferPointer,
                       properties: PropertyListBuilder.Selection) -> LineResult {
        guard let action = fields.action else { return .invalid("event without a known action") }
        guard fields.devpath != nil else { return .invalid("event without devpath") }
        guard (0...UdevadmTextParser.maxMonotonicUsec).contains(fields.monotonicUsec ?? 0) else {
            return .invalid("event with monotonic_usec out of range")
        }
        let time = EventTime(realtimeUsec: fields.realtimeUsec, monotonicUsec: fields.monotonicUsec ?? 0)
        let event = fields.takeEvent(action: action, time: time)
        // An invalid event is written whatever the settings, so it is read again with all its properties.
        if properties == .readByTracker, event.problem != nil {
            return parse(line, properties: .all)
        }
        return .event(event)
    }
}
