/// The first line of every JSON log file. Shippers (Vector, the OpenTelemetry filelog receiver) tell files
/// apart by a fingerprint of their first bytes: a header with a random file id keeps two files of the same
/// host and boot from looking alike, and says where in the uevent stream the file starts.
public struct LogHeader: Sendable, Equatable {
    /// 128 random bits, hex.
    public var fileID: String
    public var daemonStartedRealtimeUsec: Int64
    /// SEQNUM of the first event written after this header, if that record is an event.
    public var firstSeqnum: UInt64?
    /// How many files this daemon run has opened before this one (0 at start, then one per rotation).
    public var rotation: Int

    public init(fileID: String, daemonStartedRealtimeUsec: Int64, firstSeqnum: UInt64?, rotation: Int) {
        self.fileID = fileID
        self.daemonStartedRealtimeUsec = daemonStartedRealtimeUsec
        self.firstSeqnum = firstSeqnum
        self.rotation = rotation
    }
}

extension RecordEncoder {
    /// Appends the header line, newline included.
    public func appendHeader(_ header: LogHeader, nowRealtimeUsec now: Int64, to json: inout JSONWriter) {
        json.beginObject()
        json.field("type", "header")
        json.field("schema", RecordContext.schemaVersion)
        json.key("time")
        json.time(realtimeUsec: now)
        contextMembers.withUnsafeBufferPointer { json.members(encoded: $0) }
        json.field("file_id", header.fileID)
        json.key("started")
        json.time(realtimeUsec: header.daemonStartedRealtimeUsec)
        json.field("first_seqnum", header.firstSeqnum)
        json.field("rotation", header.rotation)
        json.endObject()
        json.newline()
    }
}

extension Record {
    /// The SEQNUM a record is about, for a header's `first_seqnum`.
    public var eventSeqnum: UInt64? {
        if case .event(let event, _) = self { return event.seqnum }
        return nil
    }
}
