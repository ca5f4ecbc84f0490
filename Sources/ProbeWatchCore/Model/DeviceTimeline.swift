import DequeModule

/// Whether a device has a driver, as far as this run knows.
public enum BindState: Sendable, Equatable {
    case bound(driver: String)
    case unbound
    /// Present before the run started and not (yet) seen in a snapshot.
    case unknown
}

/// Everything probewatch remembers about one device, keyed by DEVPATH.
public struct DeviceState: Sendable {
    public var devpath: String
    public var subsystem: String?
    /// Kept from add/bind/snapshot because an `unbind` uevent carries no MODALIAS.
    public var modalias: String?
    public var bindState: BindState = .unknown
    /// The event that set `bindState` (the bind, or the add/unbind that left it unbound).
    public var bindStateSince: EventRef?
    /// Drivers this device was bound to in this run: a match even without a module alias.
    public var boundBefore: Set<String> = []
    public var removed = false
    /// Which removal of the run removed it last (for ageing out removed devices).
    var removalNumber = 0
    /// A ring: once `limit` is reached every event drops the oldest entry, which an array would shift.
    public private(set) var entries = Deque<TimelineEntry>()
    public private(set) var droppedEntries = 0
    /// The latest kernel log lines about this device's probes, newest last.
    public private(set) var kernelLog: [ProbeEvidence] = []

    public init(devpath: String, subsystem: String?, modalias: String?) {
        self.devpath = devpath
        self.subsystem = subsystem
        self.modalias = modalias
    }

    /// Sets the bind state and remembers which event set it.
    public mutating func setBindState(_ state: BindState, at ref: EventRef?) {
        bindState = state
        bindStateSince = ref
    }

    /// Whether `driver` bound the device before in this run. A device knows a driver or two: comparing
    /// with each costs less than hashing the name, which every add and bind did.
    public func hasBoundBefore(_ driver: String) -> Bool {
        boundBefore.count <= 4 ? boundBefore.contains { $0 == driver } : boundBefore.contains(driver)
    }

    /// Notes that `driver` bound it; the set is only touched when the driver is new to it.
    public mutating func noteBound(by driver: String) {
        if !hasBoundBefore(driver) { boundBefore.insert(driver) }
    }

    /// Takes the MODALIAS `event` brings, if any. The device nearly always has it already: bytes are
    /// compared first, and a String is made only for a new or different one.
    mutating func takeModalias(of event: UEvent) {
        if let modalias, event.properties.value(named: "MODALIAS", isByteForByte: modalias) { return }
        if let new = event.modalias { modalias = new }
    }

    public var boundDriver: String? {
        if case .bound(let driver) = bindState { return driver }
        return nil
    }

    /// Appends, keeping at most `limit` entries so memory stays flat on long runs. The oldest goes first,
    /// so a full timeline never grows past `limit`.
    public mutating func record(_ entry: TimelineEntry, limit: Int) {
        guard limit > 0 else {
            droppedEntries += entries.count + 1
            entries.removeAll()
            return
        }
        while entries.count >= limit {
            entries.removeFirst()
            droppedEntries += 1
        }
        reserveToGrow(limit: limit)
        entries.append(entry)
    }

    /// A timeline doubles up to its limit. Deque grows by half: a new device's timeline was reallocated
    /// eleven times on its way to 64 entries (a third of replay's events paid for one), and to 93.
    private mutating func reserveToGrow(limit: Int) {
        let count = entries.count
        guard count & (count &- 1) == 0 else { return }  // 0, 1, 2, 4, 8...: full, if grown this way
        entries.reserveCapacity(min(limit, max(1, count * 2)))
    }

    /// Keeps a few: enough to explain the probe that ends next, not a log.
    public mutating func remember(_ evidence: ProbeEvidence) {
        kernelLog.append(evidence)
        if kernelLog.count > 4 { kernelLog.removeFirst() }
    }

    public mutating func annotateLast(_ note: String) {
        annotateLast(.text(note))
    }

    /// Annotates the last entry only if it is the event `seqnum`; says whether it was.
    mutating func annotateLast(_ note: TimelineNote, ifSeqnum seqnum: UInt64?) -> Bool {
        guard entries.last?.seqnum == seqnum else { return false }
        annotateLast(note)
        return true
    }

    /// Annotates the entry where it is kept: reading it first copied the whole entry, and most entries
    /// have no note yet.
    mutating func annotateLast(_ note: TimelineNote) {
        guard !entries.isEmpty else { return }
        entries[entries.count - 1].annotate(note)
    }
}
