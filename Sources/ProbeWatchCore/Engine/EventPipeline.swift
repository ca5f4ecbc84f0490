/// The one path every event takes, live or replayed: validate, restore SEQNUM order, record, track.
public struct EventPipeline {
    public private(set) var tracker: ProbeTracker
    private var reorder: SeqnumReorderBuffer
    public private(set) var summary = RunSummary()
    private var lastSeqnum: UInt64?
    private var scratch: [UEvent] = []
    /// Whether a valid event is emitted as an `event` record. Off when no sink writes them (replay without
    /// event records): the record would copy the event for nothing. Invalid events are emitted either way.
    public var emitsValidEvents = true

    public init(tracker: ProbeTracker, reorderWindowUsec: Int64) {
        self.tracker = tracker
        reorder = SeqnumReorderBuffer(windowUsec: reorderWindowUsec)
    }

    /// When the caller must call `tick` even if no event arrives (reorder wait or a probe deadline).
    public var nextDeadlineUsec: Int64? {
        [reorder.nextDeadlineUsec, tracker.nextDeadlineUsec].compactMap { $0 }.min()
    }

    public mutating func ingest(_ event: UEvent, emit: (Record) -> Void) {
        if let problem = event.problem {
            summary.malformed += 1
            return emit(.event(event, invalid: problem.rawValue))
        }
        // The common case: the next SEQNUM with nothing held needs no buffering, and nothing else is due
        // (an empty buffer has no wait running).
        if reorder.passesThrough(event) { return apply(event, emit: emit) }
        var released = takeScratch()
        reorder.insert(event) { released.append($0) }
        reorder.releaseExpired(nowMonotonicUsec: event.received.monotonicUsec) { released.append($0) }
        applyAll(&released, emit: emit)
    }

    /// Time passed without events.
    public mutating func tick(_ now: EventTime, emit: (Record) -> Void) {
        var released = takeScratch()
        reorder.releaseExpired(nowMonotonicUsec: now.monotonicUsec) { released.append($0) }
        applyAll(&released, emit: emit)
        var records: [Record] = []
        tracker.advance(toMonotonicUsec: now.monotonicUsec, realtimeUsec: now.realtimeUsec) { records.append($0) }
        count(records, emit)
    }

    public mutating func setProbeTimeout(usec: Int64) {
        tracker.setProbeTimeout(usec: usec)
    }

    /// A kernel log record, applied as it comes: it is evidence about probes, not a uevent to be ordered.
    public mutating func ingest(kernelLog record: KmsgRecord, at time: EventTime, emit: (Record) -> Void) {
        var records: [Record] = []
        tracker.process(kernelLog: record, at: time) { records.append($0) }
        count(records, emit)
    }

    /// A message libudev could not parse.
    public mutating func malformed() {
        summary.malformed += 1
    }

    /// The kernel dropped events: everything held is released first, then the model is re-read from sysfs.
    public mutating func overflow(at time: EventTime, resnapshot: () -> SystemSnapshot?, emit: (Record) -> Void) {
        drainReorder(emit: emit)
        summary.lost += 1
        emit(.lost(LostEvents(reason: "ENOBUFS", lostCount: summary.lost, afterSeqnum: lastSeqnum,
                              realtimeUsec: time.realtimeUsec)))
        if let snapshot = resnapshot() {
            emit(.snapshot(tracker.reconcile(with: snapshot, at: time)))
        }
    }

    public mutating func loadSnapshot(_ snapshot: SystemSnapshot, at time: EventTime, emit: (Record) -> Void) {
        emit(.snapshot(tracker.load(snapshot, at: time)))
    }

    /// Shutdown or end of input: release everything, settle what can be settled, write the summary.
    /// `endOfInput`: a replay's recording is over; false when a live daemon stops (see ProbeTracker.finish).
    public mutating func finish(at time: EventTime, endOfInput: Bool = true, emit: (Record) -> Void) {
        drainReorder(emit: emit)
        var records: [Record] = []
        tracker.finish(endOfInput: endOfInput) { records.append($0) }
        count(records, emit)
        summary.seqnumGaps = reorder.gapCount
        summary.late = reorder.lateCount
        summary.realtimeUsec = time.realtimeUsec
        emit(.summary(summary))
    }

    private mutating func drainReorder(emit: (Record) -> Void) {
        var released = takeScratch()
        reorder.drain { released.append($0) }
        applyAll(&released, emit: emit)
    }

    /// Released events are collected first: the reorder buffer and the tracker cannot call back into
    /// the pipeline while they are being mutated. The array is reused so the hot path does not allocate.
    private mutating func takeScratch() -> [UEvent] {
        defer { scratch = [] }
        return scratch
    }

    private mutating func applyAll(_ released: inout [UEvent], emit: (Record) -> Void) {
        for event in released { apply(event, emit: emit) }
        released.removeAll(keepingCapacity: true)
        scratch = released
    }

    private mutating func apply(_ event: UEvent, emit: (Record) -> Void) {
        summary.events += 1
        if let seqnum = event.seqnum { lastSeqnum = max(lastSeqnum ?? 0, seqnum) }
        if emitsValidEvents { emit(.event(event, invalid: nil)) }
        var counts = RecordCounts()
        tracker.process(event) { record in
            counts.count(record)
            emit(record)
        }
        counts.add(to: &summary)
    }

    private mutating func count(_ records: [Record], _ emit: (Record) -> Void) {
        var counts = RecordCounts()
        for record in records {
            counts.count(record)
            emit(record)
        }
        counts.add(to: &summary)
    }
}

/// Records counted while the tracker emits them, for the summary: the summary cannot be touched while
/// the tracker, a part of the same pipeline, is being mutated.
private struct RecordCounts {
    var races = 0
    var probes = 0

    mutating func count(_ record: Record) {
        switch record {
        case .race: races += 1
        case .probe: probes += 1
        default: break
        }
    }

    func add(to summary: inout RunSummary) {
        summary.races += races
        summary.probes += probes
    }
}
