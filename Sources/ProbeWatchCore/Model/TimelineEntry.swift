/// One line of a device's history.
public struct TimelineEntry: Sendable {
    public var seqnum: UInt64?
    public var action: UEventAction?
    // The note is packed into fields that fill the padding after `action`, so an entry stays 72 bytes
    // (a TimelineNote? would take 17 and make it 80): one entry per event is kept for every device.
    private var noteKind = NoteKind.none
    private var noteMode = ProbeMode.unknown
    private var noteLatencyUsec: UInt32 = 0
    public var driver: String?
    public var time: EventTime
    /// The driver a note names, or its whole text.
    private var noteText: String?

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
