import DequeModule

/// Restores SEQNUM order before the rules see events.
///
/// Since 2024 the kernel assigns SEQNUM outside the broadcast lock, so two CPUs can deliver uevents out of
/// SEQNUM order (udevd sorts for the same reason, systemd#37314). An event is released at once when it is
/// the next SEQNUM; otherwise it waits at most `windowUsec` for the ones before it. SEQNUM gaps alone are
/// not loss: the counter is global and uevents of other network namespaces consume numbers, so under a
/// steady stream of gaps the buffer holds a window's worth of events, and every operation stays O(1)
/// amortized (apart from a binary search) for that case.
public struct SeqnumReorderBuffer: Sendable {
    public let windowUsec: Int64
    /// Held events, sorted by SEQNUM.
    private var held = Deque<UEvent>()
    /// When each held event arrived, in arrival order: the expired ones are always a prefix.
    private var arrivals = Deque<(usec: Int64, seqnum: UInt64)>()
    private var lastReleased: UInt64?
    public private(set) var gapCount = 0
    public private(set) var lateCount = 0

    public init(windowUsec: Int64) {
        self.windowUsec = windowUsec
    }

    public var isEmpty: Bool { held.isEmpty }

    /// Monotonic time at which the oldest held event must be released.
    public var nextDeadlineUsec: Int64? {
        held.isEmpty ? nil : arrivals.first.map { $0.usec + windowUsec }
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
        arrivals.append((event.received.monotonicUsec, seqnum))
        releaseContiguous(release)
    }

    /// Releases the event at once, and says so, when nothing is held and `insert` would release it
    /// unbuffered: then no wait is running either, and `releaseExpired` has nothing to do.
    public mutating func passesThrough(_ event: UEvent) -> Bool {
        guard held.isEmpty, arrivals.isEmpty else { return false }
        guard let seqnum = event.seqnum else { return true }
        if let last = lastReleased, seqnum <= last {
            lateCount += 1
            return true
        }
        guard lastReleased.map({ seqnum == $0 + 1 }) ?? false || windowUsec == 0 else { return false }
        record(released: seqnum)
        return true
    }

    /// Releases, in SEQNUM order, everything up to the highest SEQNUM whose wait has expired.
    public mutating func releaseExpired(nowMonotonicUsec now: Int64, release: (UEvent) -> Void) {
        var limit: UInt64?
        while let oldest = arrivals.first, now - oldest.usec >= windowUsec {
            limit = max(limit ?? 0, oldest.seqnum)
            arrivals.removeFirst()
        }
        guard let limit else { return }
        while let first = held.first, let seqnum = first.seqnum, seqnum <= limit {
            held.removeFirst()
            emit(first, release)
        }
        releaseContiguous(release)
    }

    /// Releases everything (shutdown, overflow, end of replay).
    public mutating func drain(release: (UEvent) -> Void) {
        while let first = held.popFirst() { emit(first, release) }
        arrivals.removeAll()
    }

    private mutating func releaseContiguous(_ release: (UEvent) -> Void) {
        while let first = held.first, let seqnum = first.seqnum, let last = lastReleased, seqnum == last + 1 {
            held.removeFirst()
            emit(first, release)
        }
        // Arrival entries of events released early are stale; with nothing held, none is needed.
        if held.isEmpty { arrivals.removeAll(keepingCapacity: true) }
    }

    private mutating func emit(_ event: UEvent, _ release: (UEvent) -> Void) {
        if let seqnum = event.seqnum { record(released: seqnum) }
        release(event)
    }

    private mutating func record(released seqnum: UInt64) {
        if let last = lastReleased, seqnum > last + 1 { gapCount += 1 }
        lastReleased = max(lastReleased ?? 0, seqnum)
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
