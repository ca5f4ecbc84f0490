/// Every race rule probewatch applies, one function each. The tracker calls them at the point in the
/// event stream where the rule can decide; each returns the finding or nil.
public enum RaceRules {
    /// `driver_unregister()` ran while a probe by that driver was pending. Kernels since the async-probe
    /// series (4.19+) wait for pending async probes in driver_detach(), so this usually means the probe
    /// failed or deferred; a pending async probe that really was skipped is the window of the LKML question.
    public static func driverRemovedBeforeBind(_ probe: PendingProbe, removal: EventRef) -> Finding {
        finding(
            .driverRemovedBeforeBind, probe: probe, end: removal, severity: .warning,
            message: "driver \(probe.driver.name) was removed \(span(probe.started, removal)) after its probe of "
                + "\(probe.devpath) became pending, and the device never bound")
    }

    /// A `bind` naming a driver whose `remove` came earlier. The kernel sends the driver's `remove` only
    /// after driver_detach() has unbound everything and waited for async probes: a bind after it means
    /// the driver pointer outlived the driver. A synchronous re-registration also binds before its `add`,
    /// so the tracker calls this only when no `add` followed within the probe timeout.
    public static func bindAfterDriverRemoved(
        devpath: String, driver: DriverKey, module: String?, removal: EventRef, bind: EventRef
    ) -> Finding {
        Finding(
            kind: .bindAfterDriverRemoved, devpath: devpath, driver: driver.name, bus: driver.bus, module: module,
            seqnums: seqnums(removal, bind), windowUsec: usec(removal, bind),
            message: "\(devpath) was bound to \(driver.name) \(span(removal, bind)) after the driver was removed, "
                + "and the driver was not registered again",
            severity: .error, realtimeUsec: bind.time.realtimeUsec)
    }

    /// device_del() ran while a probe of the device was pending: the probe raced with hot-unplug.
    public static func deviceRemovedBeforeBind(_ probe: PendingProbe, removal: EventRef) -> Finding {
        finding(
            .deviceRemovedBeforeBind, probe: probe, end: removal, severity: .warning,
            message: "\(probe.devpath) was removed \(span(probe.started, removal)) after its probe by "
                + "\(probe.driver.name) became pending, before it bound")
    }

    /// A second `bind` with no `unbind` between: really_probe() refuses a device that has dev->driver set,
    /// so two binds in a row mean a lost `unbind` or a driver core bug.
    public static func doubleBind(
        devpath: String, driver: DriverKey, previousDriver: String, module: String?, firstBind: EventRef?,
        bind: EventRef
    ) -> Finding {
        let first = firstBind ?? bind
        return Finding(
            kind: .doubleBind, devpath: devpath, driver: driver.name, bus: driver.bus, module: module,
            seqnums: seqnums(first, bind), windowUsec: usec(first, bind),
            message: "\(devpath) was bound to \(driver.name) while already bound to \(previousDriver), "
                + "with no unbind between",
            severity: .error, realtimeUsec: bind.time.realtimeUsec)
    }

    /// An `unbind` for a device this run knew to be unbound: device_release_driver() only sends it when
    /// dev->driver was set.
    public static func unbindWithoutBind(
        devpath: String, bus: String, lastDriver: String?, unboundSince: EventRef?, unbind: EventRef
    ) -> Finding {
        let since = unboundSince ?? unbind
        return Finding(
            kind: .unbindWithoutBind, devpath: devpath, driver: lastDriver ?? "", bus: bus, module: nil,
            seqnums: seqnums(since, unbind), windowUsec: usec(since, unbind),
            message: "\(devpath) was unbound although it had no driver since \(describe(since))",
            severity: .warning, realtimeUsec: unbind.time.realtimeUsec)
    }

    /// A pending probe older than the timeout. Async probes run on a workqueue and deferred probes wait
    /// for their suppliers; either can hold the window open for as long as this one has been.
    public static func probeStalled(_ probe: PendingProbe, nowMonotonicUsec now: Int64, realtimeUsec: Int64?) -> Finding {
        let age = now - probe.started.time.monotonicUsec
        return Finding(
            kind: .probeStalled, devpath: probe.devpath, driver: probe.driver.name, bus: probe.driver.bus,
            module: probe.module, seqnums: probe.started.seqnum.map { [$0] } ?? [], windowUsec: age,
            message: "probe of \(probe.devpath) by \(probe.driver.name) has been pending for "
                + "\(TimeSpan.describe(usec: age)) without a bind",
            severity: .warning, realtimeUsec: realtimeUsec)
    }

    /// A pending probe that never bound, which the kernel log explains: the probe failed, was rejected or
    /// deferred. Kernels since the async-probe series wait in driver_detach() (async_synchronize_full())
    /// for pending async probes, so a driver removed after such a failure is the ordinary end of a failed
    /// probe, not the LKML window: the finding stays, lowered to `info`, with the line that explains it.
    /// Only the pending-probe kinds are explained; `bind-after-driver-removed` always stays a race.
    public static func explained(_ finding: Finding, by evidence: ProbeEvidence) -> Finding {
        var explained = finding
        explained.severity = .info
        explained.explanation = evidence.record.text
        explained.message += "; the kernel log says: \(evidence.record.text)"
        return explained
    }

    // MARK: - helpers

    private static func finding(
        _ kind: FindingKind, probe: PendingProbe, end: EventRef, severity: Severity, message: String
    ) -> Finding {
        Finding(
            kind: kind, devpath: probe.devpath, driver: probe.driver.name, bus: probe.driver.bus,
            module: probe.module, seqnums: seqnums(probe.started, end), windowUsec: usec(probe.started, end),
            message: message, severity: severity, realtimeUsec: end.time.realtimeUsec)
    }

    /// The SEQNUMs the events have, in one allocation: every bind builds one list.
    static func seqnums(_ first: EventRef, _ second: EventRef) -> [UInt64] {
        var seqnums: [UInt64] = []
        seqnums.reserveCapacity(2)
        if let seqnum = first.seqnum { seqnums.append(seqnum) }
        if let seqnum = second.seqnum { seqnums.append(seqnum) }
        return seqnums
    }

    static func seqnums(_ ref: EventRef) -> [UInt64] { ref.seqnum.map { [$0] } ?? [] }

    static func usec(_ from: EventRef, _ to: EventRef) -> Int64 {
        max(0, to.time.monotonicUsec - from.time.monotonicUsec)
    }

    static func span(_ from: EventRef, _ to: EventRef) -> String {
        TimeSpan.describe(usec: usec(from, to))
    }

    static func describe(_ ref: EventRef) -> String {
        ref.seqnum.map { "SEQNUM \($0)" } ?? "the start of the run"
    }
}
