/// One line of a device's history.
public struct TimelineEntry: Sendable {
    // Stored packed, 64 bytes where the plain fields took 72: one entry per event is kept for every device,
    // and a full history of 64 entries per device is most of what replay and a busy daemon keep in memory.
    // The optionals' flags and the note's kind, mode and latency share the last eight bytes.
    private var storedSeqnum: UInt64 = 0
    private var realtimeUsec: Int64 = 0
    private var monotonicUsec: Int64 = 0
    public var driver: String?
    /// The driver a note names, or its whole text.
    private var noteText: String?
    public var action: UEventAction?
    private var noteKind = NoteKind.none
    private var noteMode = ProbeMode.unknown
    private var present = Present()
    private var noteLatencyUsec: UInt32 = 0

    private struct Present: OptionSet {
        var rawValue: UInt8
        static let seqnum = Present(rawValue: 1)
        static let realtime = Present(rawValue: 2)
    }

    public var seqnum: UInt64? {
        get { present.contains(.seqnum) ? storedSeqnum : nil }
        set {
            storedSeqnum = newValue ?? 0
            if newValue == nil { present.remove(.seqnum) } else { present.insert(.seqnum) }
        }
    }

    public var time: EventTime {
        get { EventTime(realtimeUsec: present.contains(.realtime) ? realtimeUsec : nil, monotonicUsec: monotonicUsec) }
        set {
            realtimeUsec = newValue.realtimeUsec ?? 0
            if newValue.realtimeUsec == nil { present.remove(.realtime) } else { present.insert(.realtime) }
            monotonicUsec = newValue.monotonicUsec
        }
    }

    private enum NoteKind: UInt8 {
        case none, text, probePendingBy, removedBeforeBind, bind, bindAfterPending
    }

    init(seqnum: UInt64?, action: UEventAction?, driver: String?, time: EventTime, annotation: TimelineNote?) {
        self.seqnum = seqnum
        self.action = action
        self.driver = driver
        self.time = time
        self.annotation = annotation
    }

    init(seqnum: UInt64?, action: UEventAction?, driver: String?, time: EventTime, note: String?) {
        self.init(seqnum: seqnum, action: action, driver: driver, time: time, annotation: note.map(TimelineNote.text))
    }

    /// What probewatch concluded at this point: "probe pending", "bound without a seen bind", ...
    public var note: String? {
        get { annotation?.text }
        set { annotation = newValue.map(TimelineNote.text) }
    }

    var annotation: TimelineNote? {
        get {
            switch noteKind {
            case .none: nil
            case .text: .text(noteText ?? "")
            case .probePendingBy: .probePendingBy(driver: noteText ?? "")
            case .removedBeforeBind: .removedBeforeBind(driver: noteText ?? "")
            case .bind: .bind(mode: noteMode, latencyUsec: nil)
            case .bindAfterPending: .bind(mode: noteMode, latencyUsec: Int64(noteLatencyUsec))
            }
        }
        set { pack(newValue) }
    }

    /// Adds a conclusion: the first is kept as it is, a second is appended to it as text.
    mutating func annotate(_ note: TimelineNote) {
        guard noteKind != .none, let old = annotation else { return pack(note) }
        pack(old.appending(note))
    }

    private mutating func pack(_ note: TimelineNote?) {
        (noteKind, noteMode, noteLatencyUsec, noteText) = (.none, .unknown, 0, nil)
        switch note {
        case nil: break
        case .text(let text)?: (noteKind, noteText) = (.text, text)
        case .probePendingBy(let driver)?: (noteKind, noteText) = (.probePendingBy, driver)
        case .removedBeforeBind(let driver)?: (noteKind, noteText) = (.removedBeforeBind, driver)
        case .bind(let mode, nil)?: (noteKind, noteMode) = (.bind, mode)
        case .bind(let mode, let latency?)?:
            if let packed = UInt32(exactly: latency) {
                (noteKind, noteMode, noteLatencyUsec) = (.bindAfterPending, mode, packed)
            } else {
                (noteKind, noteText) = (.text, note?.text)  // over 71 minutes: rare enough to keep as text
            }
        }
    }
}

extension TimelineEntry: Equatable {
    /// Entries are equal when they read the same, however their notes are kept.
    public static func == (lhs: TimelineEntry, rhs: TimelineEntry) -> Bool {
        lhs.seqnum == rhs.seqnum && lhs.action == rhs.action && lhs.driver == rhs.driver && lhs.time == rhs.time
            && lhs.note == rhs.note
    }
}
