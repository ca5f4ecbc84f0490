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
        (noteKind, noteMode, noteLatencyUsec, noteText) = Self.packed(note)
    }

    /// The note's kind, mode, latency and text as an entry keeps them.
    private static func packed(_ note: TimelineNote?) -> (NoteKind, ProbeMode, UInt32, String?) {
        switch note {
        case nil: (.none, .unknown, 0, nil)
        case .text(let text)?: (.text, .unknown, 0, text)
        case .probePendingBy(let driver)?: (.probePendingBy, .unknown, 0, driver)
        case .removedBeforeBind(let driver)?: (.removedBeforeBind, .unknown, 0, driver)
        case .bind(let mode, nil)?: (.bind, mode, 0, nil)
        case .bind(let mode, let latency?)?:
            if let packed = UInt32(exactly: latency) {
                (.bindAfterPending, mode, packed, nil)
            } else {
                (.text, .unknown, 0, note?.text)  // over 71 minutes: rare enough to keep as text
            }
        }
    }
}

// In an extension, so that the memberwise initializer remains: a new entry built by assigning its fields one
// by one stayed in memory, and was copied once more and destroyed on its way to the timeline (every event).
extension TimelineEntry {
    init(seqnum: UInt64?, action: UEventAction?, driver: String?, time: EventTime, annotation: TimelineNote?) {
        let (kind, mode, latency, text) = Self.packed(annotation)
        var present = Present()
        if seqnum != nil { present.insert(.seqnum) }
        if time.realtimeUsec != nil { present.insert(.realtime) }
        self.init(storedSeqnum: seqnum ?? 0, realtimeUsec: time.realtimeUsec ?? 0, monotonicUsec: time.monotonicUsec,
                  driver: driver, noteText: text, action: action, noteKind: kind, noteMode: mode, present: present,
                  noteLatencyUsec: latency)
    }

    init(seqnum: UInt64?, action: UEventAction?, driver: String?, time: EventTime, note: String?) {
        self.init(seqnum: seqnum, action: action, driver: driver, time: time, annotation: note.map(TimelineNote.text))
    }
}

extension TimelineEntry: Equatable {
    /// Entries are equal when they read the same, however their notes are kept.
    public static func == (lhs: TimelineEntry, rhs: TimelineEntry) -> Bool {
        lhs.seqnum == rhs.seqnum && lhs.action == rhs.action && lhs.driver == rhs.driver && lhs.time == rhs.time
            && lhs.note == rhs.note
    }
}
