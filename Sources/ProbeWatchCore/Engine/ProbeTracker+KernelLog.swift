extension ProbeTracker {
    /// How long before a probe became pending its kernel log line may be: a synchronous driver's probe
    /// runs (and prints) inside driver_register(), before the driver's `add` uevent is even sent.
    static let kernelLogSlackUsec: Int64 = 1_000_000

    /// A kernel log record: when it is about a probe of a device this run knows, it goes on the device's
    /// timeline and is kept as evidence, and a failed or deferred probe gets its `probe` record.
    public mutating func process(kernelLog record: KmsgRecord, at time: EventTime, emit: (Record) -> Void) {
        guard let evidence = ProbeEvidence(record) else { return }
        let named = remember(evidence, at: time)
        if named.isEmpty { keepUnclaimed(evidence) }
        for devpath in named { emitOutcome(of: evidence, devpath: devpath, ref: EventRef(seqnum: nil, time: time), emit: emit) }
    }

    /// A device just added takes the evidence that named it while it was unknown.
    mutating func claimKernelLog(for devpath: String, at ref: EventRef, emit: (Record) -> Void) {
        guard !unclaimedKernelLog.isEmpty else { return }
        let name = devpath.split(separator: "/").last.map(String.init)
        let since = ref.time.monotonicUsec - Self.kernelLogSlackUsec
        let claimed = unclaimedKernelLog.filter { $0.device == name && $0.record.monotonicUsec >= since }
        guard !claimed.isEmpty else { return }
        unclaimedKernelLog.removeAll { $0.device == name }
        for evidence in claimed {
            devices[devpath]?.remember(evidence)
            entry(devpath, nil, ref: ref, driver: evidence.driver, note: "kernel log: \(evidence.record.text)")
            emitOutcome(of: evidence, devpath: devpath, ref: ref, emit: emit)
        }
    }

    private mutating func keepUnclaimed(_ evidence: ProbeEvidence) {
        unclaimedKernelLog.append(evidence)
        let since = evidence.record.monotonicUsec - Self.kernelLogSlackUsec
        unclaimedKernelLog.removeAll { $0.record.monotonicUsec < since }
        if unclaimedKernelLog.count > 64 { unclaimedKernelLog.removeFirst(unclaimedKernelLog.count - 64) }
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
        // The probe being judged may already have left `pending` (driver_detach() ended it).
        let alone = !pending.probes(of: probe.devpath).contains { $0.driver != probe.driver }
        guard let evidence = devices[probe.devpath]?.kernelLog.last(where: {
            $0.explainsNoBind && $0.record.monotonicUsec >= since && Self.names($0, probe, alone: alone)
        }) else { return finding }
        return RaceRules.explained(finding, by: evidence)
    }

    /// Whether evidence is about this probe: by the driver it names, or, naming none (initcall_debug's
    /// `probe of X returned N`), only when the device has no other pending probe it could be about.
    static func names(_ evidence: ProbeEvidence, _ probe: PendingProbe, alone: Bool) -> Bool {
        evidence.driver.map { $0 == probe.driver.name } ?? alone
    }

    private mutating func emitOutcome(of evidence: ProbeEvidence, devpath: String, ref: EventRef, emit: (Record) -> Void) {
        guard let outcome = evidence.outcome else { return }
        let all = pending.probes(of: devpath)
        let probes = all.filter { Self.names(evidence, $0, alone: all.count == 1) }
        for probe in probes where !probe.outcomeReported {
            pending.markOutcomeReported(probe)
            emit(.probe(ProbeCompletion(
                devpath: devpath, driver: probe.driver.name, bus: probe.driver.bus, module: probe.module,
                mode: probe.trigger == .driverAdded ? .async : .deviceAdd, latencyUsec: RaceRules.usec(probe.started, ref),
                seqnums: RaceRules.seqnums(probe.started), realtimeUsec: ref.time.realtimeUsec, outcome: outcome,
                error: evidence.errorCode)))
        }
        guard probes.isEmpty, let driver = evidence.driver else { return }
        let bus = devices[devpath]?.subsystem ?? evidence.record.subsystem ?? ""
        emit(.probe(ProbeCompletion(
            devpath: devpath, driver: driver, bus: bus, module: module(of: DriverKey(bus: bus, name: driver), modalias: devices[devpath]?.modalias),
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
