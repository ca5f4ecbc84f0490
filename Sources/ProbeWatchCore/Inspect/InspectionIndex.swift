/// Records of a log, indexed for the inspection views: what each device, driver and SEQNUM saw.
public struct InspectionIndex: Sendable {
    public let events: [UEvent]
    public let probes: [ProbeCompletion]
    public let findings: [Finding]
    let eventsBySeqnum: [UInt64: UEvent]

    public init(_ records: [Record]) {
        var events: [UEvent] = []
        var probes: [ProbeCompletion] = []
        var findings: [Finding] = []
        for record in records {
            switch record {
            case .event(let event, _): events.append(event)
            case .probe(let probe): probes.append(probe)
            case .race(let finding): findings.append(finding)
            case .lost, .snapshot, .summary: break
            }
        }
        self.events = events
        self.probes = probes
        self.findings = findings
        eventsBySeqnum = Dictionary(events.compactMap { event in event.seqnum.map { ($0, event) } },
                                    uniquingKeysWith: { first, _ in first })
    }

    /// Devices with a probe or a finding, the ones worth a timeline, in DEVPATH order.
    public var devicesWithActivity: [String] {
        Set(probes.map(\.devpath) + findings.map(\.devpath)).sorted()
    }

    /// Drivers (bus, name) seen registering, probing or in a finding, in order.
    public var drivers: [DriverKey] {
        var keys = Set(probes.map { DriverKey(bus: $0.bus, name: $0.driver) })
        keys.formUnion(findings.filter { !$0.driver.isEmpty }.map { DriverKey(bus: $0.bus, name: $0.driver) })
        for event in events { if case .driver(let key) = event.object { keys.insert(key) } }
        return keys.sorted()
    }

    /// The module each driver was reported with.
    public func module(of driver: DriverKey) -> String? {
        probes.first { $0.driver == driver.name && $0.bus == driver.bus }?.module
            ?? findings.first { $0.driver == driver.name && $0.bus == driver.bus }?.module
    }
}
