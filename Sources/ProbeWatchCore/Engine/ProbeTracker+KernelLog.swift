extension ProbeTracker {
    /// How long before a probe became pending its kernel log line may be: a synchronous driver's probe
    /// runs (and prints) inside driver_register(), before the driver's `add` uevent is even sent.
    static let kernelLogSlackUsec: Int64 = 1_000_000

    /// A kernel log record: when it is about a probe of a device this run knows, it goes on the device's
    /// timeline and is kept as evidence, and a failed or deferred probe gets its `probe` record.
    public mutating func process(kernelLog record: KmsgRecord, at time: EventTime, emit: (Record) -> Void) {
        guard let evidence = ProbeEvidence(record) else { return }
        for devpath in remember(evidence, at: time) {
            if let outcome = evidence.outcome {
                emitOutcome(outcome, of: evidence, devpath: devpath, ref: EventRef(seqnum: nil, time: time), emit: emit)
            }
        }
    }

    /// Keeps the evidence on the devices it names and notes it on their timelines; returns them.
    @discardableResult
    mutating func remember(_ evidence: ProbeEvidence, at time: EventTime) -> [String] {
        let named = devices(named: evidence.device, subsystem: evidence.record.subsystem)
        for devpath in named {
            devices[devpath]?.remember(evidence)
            entry(devpath, nil, ref: EventRef(seqnum: nil, time: time), driver: evidence.driver,
                  note: "kernel log: \(evidence.record.text)")
        }
        return named
    }

    /// The finding as it stands, or explained by the device's kernel log (see RaceRules.explained).
    func explainedIfLogged(_ finding: Finding, probe: PendingProbe) -> Finding {
        let since = probe.started.time.monotonicUsec - Self.kernelLogSlackUsec
        guard let evidence = devices[probe.devpath]?.kernelLog.last(where: {
            $0.explainsNoBind && $0.record.monotonicUsec >= since && ($0.driver.map { $0 == probe.driver.name } ?? true)
        }) else { return finding }
        return RaceRules.explained(finding, by: evidence)
    }

    private mutating func emitOutcome(
        _ outcome: ProbeOutcome, of evidence: ProbeEvidence, devpath: String, ref: EventRef, emit: (Record) -> Void
    ) {
        let probes = pending.probes(of: devpath).filter { probe in evidence.driver.map { $0 == probe.driver.name } ?? true }
        for probe in probes {
            emit(.probe(ProbeCompletion(
                devpath: devpath, driver: probe.driver.name, bus: probe.driver.bus, module: probe.module,
                mode: probe.trigger == .driverAdded ? .async : .deviceAdd, latencyUsec: RaceRules.usec(probe.started, ref),
                seqnums: RaceRules.seqnums(probe.started), realtimeUsec: ref.time.realtimeUsec, outcome: outcome,
                error: evidence.errorCode)))
        }
        guard probes.isEmpty, let driver = evidence.driver else { return }
        let bus = devices[devpath]?.subsystem ?? evidence.record.subsystem ?? ""
        emit(.probe(ProbeCompletion(
            devpath: devpath, driver: driver, bus: bus, module: module(of: DriverKey(bus: bus, name: driver), device: devices[devpath]),
            mode: .unknown, latencyUsec: nil, seqnums: [], realtimeUsec: ref.time.realtimeUsec, outcome: outcome,
            error: evidence.errorCode)))
    }

    /// Devices whose kernel name (the last component of the DEVPATH) is `name`; live ones before removed.
    private func devices(named name: String, subsystem: String?) -> [String] {
        let suffix = "/" + name
        let matching = devices.values.filter { device in
            device.devpath.hasSuffix(suffix) && (subsystem == nil || device.subsystem == subsystem)
        }
        let live = matching.filter { !$0.removed }
        return (live.isEmpty ? matching : live).map(\.devpath).sorted()
    }
}
