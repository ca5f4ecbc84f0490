/// syslog priorities as journald stores them in PRIORITY=.
public enum JournalPriority: Int, Sendable, Comparable {
    case error = 3, warning = 4, notice = 5, info = 6, debug = 7

    public static func < (lhs: JournalPriority, rhs: JournalPriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which records become journal entries. Findings and lost events always do; the rest is chosen.
public struct JournalPolicy: Sendable, Equatable {
    /// Priority of completed probes, or nil to leave them out.
    public var probePriority: JournalPriority? = .info
    /// Raw uevents, at debug priority: off by default, the JSON log has them.
    public var events = false

    public init(probePriority: JournalPriority? = .info, events: Bool = false) {
        self.probePriority = probePriority
        self.events = events
    }
}

/// One structured journal entry: FIELD=value pairs, in the order they are sent.
public struct JournalEntry: Sendable, Equatable {
    public var fields: [(name: String, value: String)]

    public var priority: JournalPriority
    /// Findings and lost events: what the rate-limit summary counts separately.
    public var isFinding: Bool
    /// Start and stop: once per run, so they never count against the rate limit.
    public var isLifecycle = false

    public init(message: String, priority: JournalPriority, messageID: String?, isFinding: Bool) {
        self.priority = priority
        self.isFinding = isFinding
        fields = [("MESSAGE", message), ("PRIORITY", String(priority.rawValue)), ("SYSLOG_IDENTIFIER", "probewatch")]
        if let messageID { fields.append(("MESSAGE_ID", messageID)) }
    }

    public mutating func add(_ name: String, _ value: String?) {
        if let value { fields.append((name, value)) }
    }

    public subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    public static func == (lhs: JournalEntry, rhs: JournalEntry) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0 == $1 } && lhs.priority == rhs.priority
    }
}

extension JournalEntry {
    /// The entry a record becomes, or nil when the policy keeps it out of the journal. Field names are
    /// journald's where one exists (DEVPATH, DRIVER, SUBSYSTEM, SEQNUM, as udevd's own entries use them),
    /// else PROBEWATCH_*; `PROBEWATCH_JSON` carries the JSON Lines record whole, so the journal alone can
    /// reproduce the log.
    public static func from(_ record: Record, policy: JournalPolicy, json: () -> String) -> JournalEntry? {
        var entry: JournalEntry
        switch record {
        case .race(let finding): entry = race(finding)
        case .lost(let lost): entry = lostEvents(lost)
        case .probe(let probe):
            guard let priority = policy.probePriority else { return nil }
            entry = completedProbe(probe, priority: priority)
        case .event(let event, let invalid):
            guard policy.events || invalid != nil else { return nil }
            entry = uevent(event, invalid: invalid)
        case .snapshot(let snapshot): entry = snapshotTaken(snapshot)
        case .summary(let summary): entry = stopped(summary)
        }
        entry.add("PROBEWATCH_JSON", json())
        return entry
    }

    /// What `from` would make of a record, without making it: nil when the policy keeps it out, else
    /// how the rate limit counts it. A storm is mostly held back by the limit, so the sink asks this first
    /// and builds only the entries it sends.
    public static func admission(of record: Record, policy: JournalPolicy) -> (isFinding: Bool, isLifecycle: Bool)? {
        switch record {
        case .race, .lost: (true, false)
        case .probe: policy.probePriority == nil ? nil : (false, false)
        case .event(_, let invalid): policy.events || invalid != nil ? (false, false) : nil
        case .snapshot(let snapshot): (false, snapshot.reason == .startup)
        case .summary: (false, true)
        }
    }

    static func race(_ finding: Finding) -> JournalEntry {
        var entry = JournalEntry(
            message: "\(finding.kind.rawValue): \(finding.message)",
            priority: finding.severity.journalPriority, messageID: MessageIDs.race(finding.kind),
            isFinding: true)
        entry.add("PROBEWATCH_KIND", finding.kind.rawValue)
        entry.add("PROBEWATCH_SEVERITY", finding.severity.rawValue)
        entry.add("DEVPATH", finding.devpath)
        entry.add("DRIVER", finding.driver.isEmpty ? nil : finding.driver)
        entry.add("SUBSYSTEM", finding.bus)
        entry.add("MODULE", finding.module)
        entry.add("SEQNUM", finding.seqnums.first.map(String.init))
        entry.add("PROBEWATCH_SEQNUMS", finding.seqnums.map(String.init).joined(separator: " "))
        entry.add("PROBEWATCH_WINDOW_USEC", String(finding.windowUsec))
        entry.add("PROBEWATCH_KMSG", finding.explanation)
        return entry
    }

    static func lostEvents(_ lost: LostEvents) -> JournalEntry {
        var entry = JournalEntry(
            message: "the kernel dropped uevents (\(lost.reason), overflow #\(lost.lostCount)); "
                + "resynchronized from sysfs",
            priority: .warning, messageID: MessageIDs.lost, isFinding: true)
        entry.add("PROBEWATCH_KIND", "lost")
        entry.add("PROBEWATCH_LOST_COUNT", String(lost.lostCount))
        entry.add("SEQNUM", lost.afterSeqnum.map(String.init))
        return entry
    }

    static func completedProbe(_ probe: ProbeCompletion, priority: JournalPriority) -> JournalEntry {
        let latency = probe.latencyUsec.map { " after \(TimeSpan.describe(usec: $0))" } ?? ""
        var entry = JournalEntry(
            message: "\(probe.devpath) bound to \(probe.driver) (\(probe.mode.rawValue) probe)\(latency)",
            priority: priority, messageID: MessageIDs.probe, isFinding: false)
        entry.add("PROBEWATCH_KIND", "probe")
        entry.add("DEVPATH", probe.devpath)
        entry.add("DRIVER", probe.driver)
        entry.add("SUBSYSTEM", probe.bus)
        entry.add("MODULE", probe.module)
        entry.add("SEQNUM", probe.seqnums.last.map(String.init))
        entry.add("PROBEWATCH_SEQNUMS", probe.seqnums.map(String.init).joined(separator: " "))
        entry.add("PROBEWATCH_MODE", probe.mode.rawValue)
        entry.add("PROBEWATCH_LATENCY_USEC", probe.latencyUsec.map(String.init))
        return entry
    }

    static func uevent(_ event: UEvent, invalid: String?) -> JournalEntry {
        var message = "\(event.action.rawValue) \(event.devpath)"
        if let invalid { message += " (invalid: \(invalid))" }
        var entry = JournalEntry(message: message, priority: invalid == nil ? .debug : .notice, messageID: nil,
                                 isFinding: false)
        entry.add("PROBEWATCH_KIND", "event")
        entry.add("DEVPATH", event.devpath)
        entry.add("ACTION", event.action.rawValue)
        entry.add("SUBSYSTEM", event.subsystem)
        entry.add("DRIVER", event.driver)
        entry.add("SEQNUM", event.seqnum.map(String.init))
        return entry
    }

    static func snapshotTaken(_ snapshot: SnapshotSummary) -> JournalEntry {
        var entry = JournalEntry(
            message: "\(snapshot.reason.rawValue) snapshot of /sys: \(snapshot.devices) devices, \(snapshot.bound) "
                + "bound, \(snapshot.drivers) drivers, \(snapshot.unboundWithModule) unbound with a matching module",
            priority: snapshot.reason == .startup ? .info : .notice, messageID: nil, isFinding: false)
        entry.isLifecycle = snapshot.reason == .startup
        entry.add("PROBEWATCH_KIND", "snapshot")
        return entry
    }

    static func stopped(_ summary: RunSummary) -> JournalEntry {
        var entry = JournalEntry(
            message: "stopped after \(summary.events) events: \(summary.probes) probes, \(summary.races) races, "
                + "\(summary.lost) overflows, \(summary.malformed) malformed",
            priority: .info, messageID: nil, isFinding: false)
        entry.isLifecycle = true
        entry.add("PROBEWATCH_KIND", "summary")
        return entry
    }

    /// What the daemon writes instead of the entries its own rate limit held back.
    public static func suppressed(_ count: JournalRateLimiter.Suppressed, intervalUsec: Int64) -> JournalEntry {
        var entry = JournalEntry(
            message: "suppressed \(count.entries) journal entries (\(count.findings) findings or lost-event "
                + "reports) in the last \(TimeSpan.describe(usec: intervalUsec)); the JSON log has all of them",
            priority: .warning, messageID: MessageIDs.suppressed, isFinding: false)
        entry.add("PROBEWATCH_KIND", "suppressed")
        entry.add("PROBEWATCH_SUPPRESSED", String(count.entries))
        entry.add("PROBEWATCH_SUPPRESSED_FINDINGS", String(count.findings))
        return entry
    }
}

extension Severity {
    var journalPriority: JournalPriority {
        switch self {
        case .info: .notice
        case .warning: .warning
        case .error: .error
        }
    }
}
