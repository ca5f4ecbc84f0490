/// Fields every record carries so fleets can join logs across machines and boots.
public struct RecordContext: Sendable, Equatable {
    public static let schemaVersion = 1
    public var bootID: String
    public var host: String

    public init(bootID: String, host: String) {
        self.bootID = bootID
        self.host = host
    }
}

/// Encodes records as JSON Lines: one object per line, never longer than `maxLineBytes`.
public struct RecordEncoder: Sendable {
    /// Log shippers drop or choke on long lines (Fluent Bit's default buffer is 32 KiB).
    public static let maxLineBytes = 16 * 1024
    /// How hard an event line is cut to fit, in turn: property values first, then names and paths, and
    /// last the properties go altogether. Bytes are counted before JSON escaping, which can grow a control
    /// byte sixfold, so only the last step guarantees the limit.
    struct Truncation {
        var valueBytes: Int
        var keepsProperties = true

        /// DEVPATH, SUBSYSTEM, DRIVER and property names keep more than values: they say what the event is.
        var pathBytes: Int { keepsProperties ? max(valueBytes, 256) : 64 }
        var nameBytes: Int { max(valueBytes, 64) }
    }

    static let truncations = [
        Truncation(valueBytes: 1024), Truncation(valueBytes: 256), Truncation(valueBytes: 64),
        Truncation(valueBytes: 0), Truncation(valueBytes: 0, keepsProperties: false),
    ]

    public let context: RecordContext
    /// `"boot_id":"…","host":"…"`, encoded once: every record repeats them.
    let contextMembers: [UInt8]

    public init(context: RecordContext) {
        self.context = context
        var json = JSONWriter(capacity: 256)
        json.field("boot_id", context.bootID)
        json.field("host", context.host)
        contextMembers = json.withBytes(Array.init)
    }

    /// One line including its newline. `nowRealtimeUsec` stamps records whose event time is unknown.
    public func line(for record: Record, nowRealtimeUsec: @autoclosure () -> Int64) -> [UInt8] {
        var json = JSONWriter()
        append(record, to: &json, nowRealtimeUsec: nowRealtimeUsec())
        return json.withBytes(Array.init)
    }

    /// Appends one line, newline included, to `json`: the sink's output buffer, so nothing is copied.
    public func append(_ record: Record, to json: inout JSONWriter, nowRealtimeUsec: @autoclosure () -> Int64) {
        let now = record.realtimeUsec ?? nowRealtimeUsec()
        let start = json.count
        encode(record, now: now, truncation: nil, into: &json)
        // The newline counts: a line is at most maxLineBytes with it.
        if json.count - start + 1 > Self.maxLineBytes { shorten(record, now: now, from: start, in: &json) }
        json.newline()
    }

    @inline(never)
    private func shorten(_ record: Record, now: Int64, from start: Int, in json: inout JSONWriter) {
        var truncations = Self.truncations.makeIterator()
        while json.count - start + 1 > Self.maxLineBytes, let truncation = truncations.next() {
            json.truncate(to: start)
            encode(record, now: now, truncation: truncation, into: &json)
        }
    }

    private func encode(_ record: Record, now: Int64, truncation: Truncation?, into json: inout JSONWriter) {
        json.beginObject()
        json.field("type", literal: record.typeName)
        json.field("schema", RecordContext.schemaVersion)
        json.key("time")
        json.time(realtimeUsec: now)
        contextMembers.withUnsafeBufferPointer { json.members(encoded: $0) }
        switch record {
        case .event(let event, let invalid): encodeEvent(event, invalid: invalid, truncation: truncation, into: &json)
        case .probe(let probe): encodeProbe(probe, cap: truncation?.pathBytes, into: &json)
        case .race(let finding): encodeFinding(finding, cap: truncation?.pathBytes, into: &json)
        case .lost(let lost): encodeLost(lost, into: &json)
        case .snapshot(let snapshot): encodeSnapshot(snapshot, into: &json)
        case .summary(let summary): encodeSummary(summary, into: &json)
        }
        json.endObject()
    }

    private func encodeEvent(_ event: UEvent, invalid: String?, truncation: Truncation?, into json: inout JSONWriter) {
        let paths = truncation?.pathBytes
        json.field("seqnum", event.seqnum)
        json.field("action", literal: event.action.literal)
        if let paths {
            json.field("devpath", capped(event.devpath, paths))
            json.field("subsystem", event.subsystem.map { capped($0, paths) })
            json.field("driver", event.driver.map { capped($0, paths) })
        } else {  // every line but the rare cut one: no String copies
            json.field("devpath", event.devpath)
            json.field("subsystem", event.subsystem)
            json.field("driver", event.driver)
        }
        json.field("source", literal: event.source.literal)
        json.field("monotonic_usec", event.received.monotonicUsec)
        json.key("properties")
        json.beginObject()
        if let truncation {
            for property in event.properties where truncation.keepsProperties {
                json.key(string: capped(property.name, truncation.nameBytes))
                json.string(capped(property.value, truncation.valueBytes))
            }
        } else if event.properties.isPlainASCII {
            event.properties.forEachUTF8 { json.plainMember(name: $0, value: $1) }
        } else {
            event.properties.forEachUTF8 { name, value in
                json.key(utf8: name)
                json.string(utf8: value)
            }
        }
        json.endObject()
        let keepsProperties = truncation?.keepsProperties ?? true
        if !event.escapedKeys.isEmpty, keepsProperties {
            json.field("escaped", strings: event.escapedKeys.sorted().map { capped($0, truncation?.nameBytes) })
        }
        if let invalid { json.field("invalid", invalid) }
        if truncation != nil {
            json.key("truncated")
            json.bool(true)
        }
    }

    /// Names in probe and race records come from uevents (DRIVER, the bus): hostile ones are cut like an
    /// event's paths, and the line says so.
    private func encodeProbe(_ probe: ProbeCompletion, cap: Int?, into json: inout JSONWriter) {
        if let cap {
            json.field("devpath", capped(probe.devpath, cap))
            json.field("driver", capped(probe.driver, cap))
            json.field("bus", capped(probe.bus, cap))
            json.field("module", probe.module.map { capped($0, cap) })
        } else {  // every record but the rare cut one: no String copies
            json.field("devpath", probe.devpath)
            json.field("driver", probe.driver)
            json.field("bus", probe.bus)
            json.field("module", probe.module)
        }
        json.field("mode", literal: probe.mode.literal)
        json.field("latency_usec", probe.latencyUsec)
        json.field("seqnums", ints: probe.seqnums)
        json.field("outcome", literal: probe.outcome.literal)
        if let error = probe.error { json.field("error", error) }
        if cap != nil {
            json.key("truncated")
            json.bool(true)
        }
    }

    private func encodeFinding(_ finding: Finding, cap: Int?, into json: inout JSONWriter) {
        json.field("kind", finding.kind.rawValue)
        json.field("devpath", capped(finding.devpath, cap))
        json.field("driver", capped(finding.driver, cap))
        json.field("bus", capped(finding.bus, cap))
        json.field("module", finding.module.map { capped($0, cap) })
        json.field("seqnums", ints: finding.seqnums)
        json.field("window_usec", finding.windowUsec)
        json.field("message", capped(finding.message, cap.map { $0 * 4 }))
        json.field("severity", finding.severity.rawValue)
        if let explanation = finding.explanation { json.field("explanation", capped(explanation, cap.map { $0 * 4 })) }
        if cap != nil {
            json.key("truncated")
            json.bool(true)
        }
    }

    private func encodeLost(_ lost: LostEvents, into json: inout JSONWriter) {
        json.field("reason", lost.reason)
        json.field("lost_count", lost.lostCount)
        json.field("after_seqnum", lost.afterSeqnum)
    }

    private func encodeSnapshot(_ snapshot: SnapshotSummary, into json: inout JSONWriter) {
        json.field("reason", snapshot.reason.rawValue)
        json.field("devices", snapshot.devices)
        json.field("bound", snapshot.bound)
        json.field("unbound_with_module", snapshot.unboundWithModule)
        json.field("drivers", snapshot.drivers)
    }

    private func encodeSummary(_ summary: RunSummary, into json: inout JSONWriter) {
        json.field("events", summary.events)
        json.field("malformed", summary.malformed)
        json.field("lost", summary.lost)
        json.field("seqnum_gaps", summary.seqnumGaps)
        json.field("late", summary.late)
        json.field("races", summary.races)
        json.field("probes", summary.probes)
    }

    /// Cuts at a character boundary and says so in the value itself; a value only a little over the cap
    /// stays whole, because the note would make it longer.
    private func capped(_ value: String, _ cap: Int?) -> String {
        guard let cap, value.utf8.count > cap + 24 else { return value }
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in value.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > cap { break }
            kept.append(scalar)
        }
        return String(kept) + "…[\(value.utf8.count - cap) bytes cut]"
    }
}

extension Record {
    /// When the record's event happened (wall clock), if known.
    public var realtimeUsec: Int64? {
        switch self {
        case .event(let event, _): event.received.realtimeUsec
        case .probe(let probe): probe.realtimeUsec
        case .race(let finding): finding.realtimeUsec
        case .lost(let lost): lost.realtimeUsec
        case .snapshot(let snapshot): snapshot.realtimeUsec
        case .summary(let summary): summary.realtimeUsec
        }
    }
}
