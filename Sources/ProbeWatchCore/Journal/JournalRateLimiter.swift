/// probewatch's own journal rate limit, below journald's (10,000 entries per 30 s per service by default):
/// when journald's limit trips it drops entries silently and says only that it did. Ours holds entries
/// back, counts them, and the sink writes one entry saying how many when the interval ends. Findings
/// (with lost-event reports) and everything else have a burst each, so a coldplug's thousands of
/// completed probes cannot crowd a race out of the journal.
public struct JournalRateLimiter: Sendable {
    public struct Suppressed: Sendable, Equatable {
        public var entries = 0
        public var findings = 0
    }

    public var intervalUsec: Int64
    public var burst: Int
    private var intervalStart: Int64?
    private var sentFindings = 0
    private var sentOthers = 0
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
        if intervalStart.map({ now - $0 >= intervalUsec }) ?? true {
            intervalStart = now
            (sentFindings, sentOthers) = (0, 0)
        }
        let sent = isFinding ? sentFindings : sentOthers
        guard sent < burst else {
            suppressed.entries += 1
            if isFinding { suppressed.findings += 1 }
            return false
        }
        if isFinding { sentFindings += 1 } else { sentOthers += 1 }
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
