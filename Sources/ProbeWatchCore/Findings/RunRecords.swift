/// The kernel dropped uevents (ENOBUFS on the monitor socket).
public struct LostEvents: Sendable, Equatable {
    public var reason: String
    /// Overflows so far in this run.
    public var lostCount: Int
    /// The last SEQNUM received before the overflow.
    public var afterSeqnum: UInt64?
    public var realtimeUsec: Int64?

    public init(reason: String, lostCount: Int, afterSeqnum: UInt64?, realtimeUsec: Int64?) {
        (self.reason, self.lostCount, self.afterSeqnum, self.realtimeUsec) = (reason, lostCount, afterSeqnum, realtimeUsec)
    }
}

/// Counters written once at exit.
public struct RunSummary: Sendable, Equatable {
    public var events = 0
    public var malformed = 0
    public var lost = 0
    public var seqnumGaps = 0
    public var late = 0
    public var races = 0
    public var probes = 0
    public var realtimeUsec: Int64?
    public init() {}
}

/// Everything that leaves the core, in the order it happened.
public enum Record: Sendable, Equatable {
    /// `invalid` names why an event was kept out of the model.
    case event(UEvent, invalid: String?)
    case probe(ProbeCompletion)
    case race(Finding)
    case lost(LostEvents)
    case snapshot(SnapshotSummary)
    case summary(RunSummary)

    public var type: String { typeName.description }

    /// The `type` of the record's line, as the encoder writes it without a String.
    var typeName: StaticString {
        switch self {
        case .event: "event"
        case .probe: "probe"
        case .race: "race"
        case .lost: "lost"
        case .snapshot: "snapshot"
        case .summary: "summary"
        }
    }
}
