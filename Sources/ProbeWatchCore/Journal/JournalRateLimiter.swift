/// probewatch's own journal rate limit, below journald's (10,000 entries per 30 s per service by default):
/// when journald's limit trips it drops entries silently and says only that it did. Ours holds entries
/// back, counts them, and the sink writes one entry saying how many when the interval ends.
public struct JournalRateLimiter: Sendable {
    public struct Suppressed: Sendable, Equatable {
        public var entries = 0
        public var findings = 0
    }

    public let intervalUsec: Int64
    public let burst: Int
    private var intervalStart: Int64?
    private var sent = 0
    public private(set) var suppressed = Suppressed()

    public init(intervalUsec: Int64, burst: Int) {
        self.intervalUsec = intervalUsec
        self.burst = burst
    }

    /// When the current interval ends with entries held back: the summary is due then.
    public var nextDeadlineUsec: Int64? {
        suppressed.entries > 0 ? intervalStart.map { $0 + intervalUsec } : nil
    }

    /// Whether an entry may be sent now. Call `takeSummary` first, so a due summary precedes it.
    public mutating func admit(isFinding: Bool, nowUsec now: Int64) -> Bool {
        if let start = intervalStart, now - start < intervalUsec {
            guard sent < burst else {
                suppressed.entries += 1
                if isFinding { suppressed.findings += 1 }
                return false
            }
        } else {
            intervalStart = now
            sent = 0
        }
        sent += 1
        return true
    }

    /// The count of entries held back in an interval that has ended (or `force`: shutdown), once.
    public mutating func takeSummary(nowUsec now: Int64, force: Bool = false) -> Suppressed? {
        guard suppressed.entries > 0, let start = intervalStart, force || now - start >= intervalUsec else {
            return nil
        }
        defer { suppressed = Suppressed() }
        return suppressed
    }
}
