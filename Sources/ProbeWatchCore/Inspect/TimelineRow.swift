/// One line of a timeline: an event, or a moment a probe or finding names.
public struct TimelineRow: Sendable, Equatable, Encodable {
    public var realtimeUsec: Int64?
    /// From the first row of the view.
    public var offsetUsec: Int64 = 0
    public var seqnum: UInt64?
    /// The action (`add`, `bind`, …), prefixed with the object when it is not the device itself.
    public var what: String
    public var driver: String?
    public var notes: [String] = []

    enum CodingKeys: String, CodingKey {
        case seqnum, what, driver, notes
        case realtimeUsec = "realtime_usec"
        case offsetUsec = "offset_usec"
    }

    /// Rows in SEQNUM order where both have one, else by time; offsets from the first.
    static func ordered(_ rows: [TimelineRow]) -> [TimelineRow] {
        var sorted = rows.sorted { lhs, rhs in
            if let left = lhs.seqnum, let right = rhs.seqnum { return left < right }
            return (lhs.realtimeUsec ?? 0) < (rhs.realtimeUsec ?? 0)
        }
        let origin = sorted.compactMap(\.realtimeUsec).min() ?? 0
        for index in sorted.indices { sorted[index].offsetUsec = (sorted[index].realtimeUsec ?? origin) - origin }
        return sorted
    }
}

extension FindingKind {
    /// Kinds whose window is a pending probe: it started at the first SEQNUM, by the named driver.
    var endsAPendingProbe: Bool {
        switch self {
        case .driverRemovedBeforeBind, .deviceRemovedBeforeBind, .probeStalled: true
        case .bindAfterDriverRemoved, .doubleBind, .unbindWithoutBind: false
        }
    }
}
