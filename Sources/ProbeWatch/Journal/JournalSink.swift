import CSystemd
import Glibc
import Logging
import ProbeWatchCore

/// Sends findings, lost events and (by policy) probes to journald as structured entries through
/// `sd_journal_sendv` (Swift cannot call the variadic `sd_journal_send`). Without a journal socket it
/// warns once and writes findings to stderr instead; it keeps trying, so a journald that comes back is used.
public final class JournalSink: RecordSink {
    private var policy: JournalPolicy
    private let encoder: RecordEncoder
    private let logger: Logger
    private var limiter: JournalRateLimiter
    private var reachable = true

    public init(options: JournalOptions, context: RecordContext, logger: Logger) {
        policy = options.policy
        encoder = RecordEncoder(context: context)
        self.logger = logger
        limiter = JournalRateLimiter(intervalUsec: options.rateLimitIntervalUsec, burst: options.rateLimitBurst)
    }

    /// A reload: new policy and limits, but the entries held back so far are still counted and reported.
    public func reconfigure(_ options: JournalOptions) {
        policy = options.policy
        limiter.intervalUsec = options.rateLimitIntervalUsec
        limiter.burst = options.rateLimitBurst
    }

    public func write(_ record: Record) {
        guard let admission = JournalEntry.admission(of: record, policy: policy) else { return }
        let now = Clock.monotonicUsec()
        // The count of held-back entries goes out before the "stopped" entry, not after it.
        var isStop = false
        if case .summary = record { isStop = true }
        sendSuppressedCount(nowUsec: now, force: isStop)
        guard admission.isLifecycle || limiter.admit(isFinding: admission.isFinding, nowUsec: now) else { return }
        let present = journalPresent()
        // Without a journal only a finding has somewhere else to go (stderr): nothing else is built.
        guard present || admission.isFinding else { return }
        let json = { [encoder] in
            var line = encoder.line(for: record, nowRealtimeUsec: Clock.now().realtimeUsec ?? 0)
            line.removeLast()  // the newline
            return String(decoding: line, as: UTF8.self)
        }
        guard let entry = JournalEntry.from(record, policy: policy, json: json) else { return }
        send(entry, journalPresent: present)
    }

    public func flush() {}

    public var nextDeadlineUsec: Int64? { limiter.nextDeadlineUsec }

    public func tick(nowMonotonicUsec now: Int64) { sendSuppressedCount(nowUsec: now, force: false) }

    public func sync() { sendSuppressedCount(nowUsec: Clock.monotonicUsec(), force: true) }

    /// The one entry that stands for those the rate limit held back: when their interval is over, or
    /// at once (`force`) when the daemon stops.
    private func sendSuppressedCount(nowUsec now: Int64, force: Bool) {
        guard let suppressed = limiter.takeSummary(nowUsec: now, force: force) else { return }
        send(.suppressed(suppressed, intervalUsec: limiter.intervalUsec))
    }

    /// sd_journal_sendv() reports success when the socket does not exist ("fail silently if the journal
    /// is not available"), so its absence is checked here: entries are few, a stat() each is nothing.
    private static let socketPath = "/run/systemd/journal/socket"

    /// Whether the socket is there; its absence is reported (once, until it is back).
    private func journalPresent() -> Bool {
        guard access(Self.socketPath, F_OK) == 0 else {
            noteUnreachable(ENOENT)
            return false
        }
        return true
    }

    private func send(_ entry: JournalEntry) {
        send(entry, journalPresent: journalPresent())
    }

    private func send(_ entry: JournalEntry, journalPresent: Bool) {
        let result = journalPresent ? Self.sendv(entry.fields.map { "\($0.name)=\($0.value)" }) : -ENOENT
        if result >= 0 {
            if !reachable { logger.notice("the journal is reachable again") }
            reachable = true
            return
        }
        noteUnreachable(-result)
        if entry.isFinding { logger.warning("\(entry["MESSAGE"] ?? "")") }
    }

    private func noteUnreachable(_ error: Int32) {
        guard reachable else { return }
        logger.warning("cannot log to the journal; findings go to stderr and the JSON log only", metadata: [
            "error": "\(String(cString: strerror(error)))",
        ])
        reachable = false
    }

    /// One entry as an iovec per field, all pointing into one buffer; values may hold newlines (the
    /// native protocol frames them).
    private static func sendv(_ fields: [String]) -> Int32 {
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        return bytes.withUnsafeMutableBytes { buffer in
            var vectors = ranges.map { iovec(iov_base: buffer.baseAddress! + $0.lowerBound, iov_len: $0.count) }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }
}
