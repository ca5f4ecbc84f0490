/// One device's history from a log: its uevents, and the moments its probes and findings name.
public struct DeviceView: Sendable, Equatable, Encodable {
    public var devpath: String
    public var subsystem: String?
    public var rows: [TimelineRow]

    public init(devpath: String, index: InspectionIndex) {
        self.devpath = devpath
        var builder = RowBuilder(index: index)
        for event in index.events where event.devpath == devpath {
            subsystem = subsystem ?? event.subsystem
            builder.add(TimelineRow(realtimeUsec: event.received.realtimeUsec, seqnum: event.seqnum,
                                    what: event.action.rawValue, driver: event.driver))
        }
        for probe in index.probes where probe.devpath == devpath { builder.note(probe) }
        for finding in index.findings where finding.devpath == devpath { builder.note(finding) }
        rows = TimelineRow.ordered(builder.rows)
        subsystem = subsystem ?? index.probes.first { $0.devpath == devpath }?.bus
    }
}

/// Collects rows and hangs notes on the row of the SEQNUM they name, adding that row when the device saw
/// no event with it (the driver's `add` that started a probe), or when the log holds no events at all
/// (the journal keeps probes and findings only).
struct RowBuilder {
    let index: InspectionIndex
    private(set) var rows: [TimelineRow] = []

    init(index: InspectionIndex) {
        self.index = index
    }

    mutating func add(_ row: TimelineRow) {
        rows.append(row)
    }

    mutating func note(_ probe: ProbeCompletion) {
        if probe.seqnums.count == 2, let start = probe.seqnums.first {
            note("probe pending by \(probe.driver)", at: start, time: probe.realtimeUsec.map { $0 - (probe.latencyUsec ?? 0) })
        }
        note(Self.describe(probe), at: probe.seqnums.last, time: probe.realtimeUsec, what: "bind", driver: probe.driver)
    }

    /// What a bind proves about probing, in the words of the driver core.
    static func describe(_ probe: ProbeCompletion) -> String {
        let latency = probe.latencyUsec.map { TimeSpan.describe(usec: $0) } ?? "?"
        return switch probe.mode {
        case .async: "async bind \(latency) after the driver registered"
        case .deviceAdd: "bind \(latency) after the device appeared"
        case .sync: "sync bind (driver_attach() before the driver's add)"
        case .unknown: "bind that no pending probe explains"
        }
    }

    mutating func note(_ finding: Finding) {
        if finding.kind.endsAPendingProbe, let start = finding.seqnums.first {
            note("probe pending by \(finding.driver)", at: start, time: finding.realtimeUsec.map { $0 - finding.windowUsec })
        }
        let at = finding.kind == .probeStalled ? nil : finding.seqnums.last
        note("RACE \(finding.kind.rawValue) (\(finding.severity.rawValue)): \(finding.message)", at: at,
             time: finding.realtimeUsec, what: finding.kind == .probeStalled ? "stalled" : "race",
             driver: finding.driver.isEmpty ? nil : finding.driver)
    }

    private mutating func note(_ text: String, at seqnum: UInt64?, time: Int64?, what: String = "pending",
                               driver: String? = nil) {
        if let seqnum, let row = rows.firstIndex(where: { $0.seqnum == seqnum }) {
            rows[row].notes.append(text)
            return
        }
        // Another object's event names itself in `what` (`driver pwtest_async add`): no driver column.
        let event = seqnum.flatMap { index.eventsBySeqnum[$0] }
        rows.append(TimelineRow(
            realtimeUsec: event?.received.realtimeUsec ?? time, seqnum: seqnum,
            what: event.map(Self.describe) ?? what, driver: event == nil ? driver : event?.driver, notes: [text]))
    }

    /// Another object's event, as a device's timeline names it: `driver pwtest_async add`.
    static func describe(_ event: UEvent) -> String {
        switch event.object {
        case .driver(let key): "driver \(key.name) \(event.action.rawValue)"
        case .module(let name): "module \(name) \(event.action.rawValue)"
        case .device: "\(event.devpath) \(event.action.rawValue)"
        }
    }
}
