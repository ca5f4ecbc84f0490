import ProbeWatchCore

/// What one line of a probewatch JSON Lines log says, as far as replay cares: the envelope (type, schema)
/// of every record, and an event's fields. A field of the wrong type does not stop the scan: it is noted
/// in `mistyped`, and only matters once the line is known to be a schema-1 event.
struct EventLineFields {
    enum RecordType: Equatable {
        case event, other
    }

    var type: RecordType?
    var schema: Int?
    /// nil when missing, null, or not one of the kernel's actions.
    var action: UEventAction?
    var devpath: String?
    var subsystem: String?
    var driver: String?
    var seqnum: UInt64?
    var source: UEvent.Source?
    var realtimeUsec: Int64?
    var monotonicUsec: Int64?
    var properties = UEventProperties()
    /// Only some properties were kept, and a skipped name was not plain ASCII (see PropertyListBuilder).
    var propertiesMayLackTrackedOnes = false
    var escapedKeys: [String] = []

    /// The first field whose value had a type the schema does not allow.
    var mistyped: StaticString?
    /// `type` was there but not a string (nor null).
    var typeMistyped = false
    /// `schema` was there but not an integer: then whether the line is newer cannot be known.
    var schemaMistyped = false

    mutating func noteMistyped(_ field: StaticString) {
        if mistyped == nil { mistyped = field }
    }

    /// The event these fields describe, their Strings and properties moved into it and left empty here:
    /// reading them (even from a `consuming` value) copied each, a retain now and a release later.
    mutating func takeEvent(action: UEventAction, time: EventTime) -> UEvent {
        UEvent(action: action, devpath: Self.take(&devpath) ?? "", subsystem: Self.take(&subsystem),
               driver: Self.take(&driver), seqnum: seqnum, properties: Self.take(&properties, leaving: UEventProperties()),
               source: source ?? .replay, received: time, escapedKeys: Self.take(&escapedKeys, leaving: []))
    }

    private static func take<T>(_ value: inout T?) -> T? {
        take(&value, leaving: nil)
    }

    private static func take<T>(_ value: inout T, leaving empty: T) -> T {
        var taken = empty
        swap(&taken, &value)
        return taken
    }
}

/// The top-level keys replay reads, told apart by their bytes without making Strings of them.
enum EventLineKey: UInt16 {
    case type, schema, time, seqnum, action, devpath, subsystem, driver, source, monotonicUsec, properties, escaped

    /// The key of this name, or nil for keys replay skips (boot_id, host, invalid, truncated, unknown ones).
    init?(_ name: UnsafeRawBufferPointer) {
        guard let key = Self.lookup(name) else { return nil }
        self = key
    }

    var bit: UInt16 { 1 << rawValue }

    /// RecordEncoder's keys of an event line in its order, each with its quotes and colon (nil: skipped).
    /// A line that follows it is matched byte for byte instead of scanning each key as a string.
    static let encoderOrder: [(EventLineKey?, StaticString)] = [
        (.type, #""type":"#), (.schema, #""schema":"#), (.time, #""time":"#), (nil, #""boot_id":"#),
        (nil, #""host":"#), (.seqnum, #""seqnum":"#), (.action, #""action":"#), (.devpath, #""devpath":"#),
        (.subsystem, #""subsystem":"#), (.driver, #""driver":"#), (.source, #""source":"#),
        (.monotonicUsec, #""monotonic_usec":"#), (.properties, #""properties":"#),
    ]

    private static func lookup(_ name: UnsafeRawBufferPointer) -> EventLineKey? {
        switch name.count {
        case 4: return name.equals("type") ? .type : name.equals("time") ? .time : nil
        case 6: return sixLetterKey(name)
        case 7: return name.equals("devpath") ? .devpath : name.equals("escaped") ? .escaped : nil
        case 9: return name.equals("subsystem") ? .subsystem : nil
        case 10: return name.equals("properties") ? .properties : nil
        case 14: return name.equals("monotonic_usec") ? .monotonicUsec : nil
        default: return nil
        }
    }

    private static func sixLetterKey(_ name: UnsafeRawBufferPointer) -> EventLineKey? {
        switch name[0] {
        case 0x73: return name.equals("schema") ? .schema : name.equals("seqnum") ? .seqnum : name.equals("source") ? .source : nil
        case 0x61: return name.equals("action") ? .action : nil
        case 0x64: return name.equals("driver") ? .driver : nil
        default: return nil
        }
    }
}

extension UEvent.Source {
    init?(bytes: UnsafeRawBufferPointer) {
        if bytes.equals("kernel") {
            self = .kernel
        } else if bytes.equals("udev") {
            self = .udev
        } else if bytes.equals("replay") {
            self = .replay
        } else {
            return nil
        }
    }
}
