/// Restores SEQNUM order before the rules see events.
///
/// Since 2024 the kernel assigns SEQNUM outside the broadcast lock, so two CPUs can deliver uevents out of
/// SEQNUM order (udevd sorts for the same reason, systemd#37314). An event is released at once when it is
/// the next SEQNUM; otherwise it waits at most `windowUsec` for the ones before it. SEQNUM gaps alone are
/// not loss: the counter is global and uevents of other network namespaces consume numbers.
public struct SeqnumReorderBuffer: Sendable {
    public let windowUsec: Int64
    /// Held events, sorted by SEQNUM; small, because in-order events never enter it.
    private var held: [UEvent] = []
    private var lastReleased: UInt64?
    public private(set) var gapCount = 0
    public private(set) var lateCount = 0

    public init(windowUsec: Int64) {
        self.windowUsec = windowUsec
    }

    public var isEmpty: Bool { held.isEmpty }

    /// Monotonic time at which the oldest held event must be released.
    public var nextDeadlineUsec: Int64? {
        held.map(\.received.monotonicUsec).min().map { $0 + windowUsec }
    }

    /// Accepts one event and releases every event that is now in order.
    public mutating func insert(_ event: UEvent, release: (UEvent) -> Void) {
        guard let seqnum = event.seqnum else { return release(event) }
        if let last = lastReleased, seqnum <= last {
            // Too late to reorder: the rules compare SEQNUMs themselves, so pass it on.
            lateCount += 1
            return release(event)
        }
        if held.isEmpty, lastReleased.map({ seqnum == $0 + 1 }) ?? false || windowUsec == 0 {
            return emit(event, release)
        }
        held.insert(event, at: insertionIndex(for: seqnum))
        releaseContiguous(release)
    }

    /// Releases, in SEQNUM order, everything held up to the newest event whose wait has expired.
    public mutating func releaseExpired(nowMonotonicUsec now: Int64, release: (UEvent) -> Void) {
        guard let lastExpired = held.lastIndex(where: { now - $0.received.monotonicUsec >= windowUsec }) else {
            return
        }
        let expired = held[...lastExpired]
        held.removeFirst(lastExpired + 1)
        for event in expired { emit(event, release) }
        releaseContiguous(release)
    }

    /// Releases everything (shutdown, end of replay).
    public mutating func drain(release: (UEvent) -> Void) {
        let all = held
        held.removeAll()
        for event in all { emit(event, release) }
    }

    private mutating func releaseContiguous(_ release: (UEvent) -> Void) {
        while let first = held.first, let seqnum = first.seqnum, let last = lastReleased, seqnum == last + 1 {
            held.removeFirst()
            emit(first, release)
        }
    }

    private mutating func emit(_ event: UEvent, _ release: (UEvent) -> Void) {
        if let seqnum = event.seqnum {
            if let last = lastReleased, seqnum > last + 1 { gapCount += 1 }
            lastReleased = max(lastReleased ?? 0, seqnum)
        }
        release(event)
    }

    private func insertionIndex(for seqnum: UInt64) -> Int {
        var low = 0
        var high = held.count
        while low < high {
            let mid = (low + high) / 2
            if (held[mid].seqnum ?? 0) < seqnum { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
