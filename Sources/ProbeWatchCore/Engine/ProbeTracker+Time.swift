extension ProbeTracker {
    /// When the next stall or suspect bind can come due, for the caller's timer.
    public var nextDeadlineUsec: Int64? { nextStallCheckUsec }

    /// Reports probes pending longer than the timeout (once each) and suspect binds whose driver did not
    /// come back in time.
    public mutating func advance(toMonotonicUsec now: Int64, realtimeUsec: Int64?, emit: (Record) -> Void) {
        guard let due = nextStallCheckUsec, now >= due else { return }
        let timeout = configuration.probeTimeoutUsec
        var next: Int64?
        var stalled: [PendingProbe] = []
        for probe in pending.all where !probe.stallReported {
            let deadline = probe.started.time.monotonicUsec + timeout
            if now >= deadline {
                stalled.append(probe)
            } else {
                next = min(next ?? deadline, deadline)
            }
        }
        // Oldest first, in an order that does not depend on hashing: the same input, the same log.
        stalled.sort { ($0.started.time.monotonicUsec, $0.devpath, $0.driver) < ($1.started.time.monotonicUsec, $1.devpath, $1.driver) }
        for probe in stalled {
            let finding = RaceRules.probeStalled(probe, nowMonotonicUsec: now, realtimeUsec: realtimeUsec)
            emit(.race(explainedIfLogged(finding, probe: probe)))
            pending.markStallReported(probe)
        }
        for suspect in suspectBinds where now < suspect.bind.time.monotonicUsec + timeout {
            next = min(next ?? suspect.bind.time.monotonicUsec + timeout, suspect.bind.time.monotonicUsec + timeout)
        }
        reportSuspectBinds(where: { now >= $0.bind.time.monotonicUsec + timeout }, emit: emit)
        nextStallCheckUsec = next
    }

    /// The end. A recording that is over (`endOfInput`) will bring no `add` for a suspect bind, so it is
    /// reported. A daemon that stops leaves the kernel running: the `add` of a synchronous re-registration
    /// may be just behind, so a suspect whose timeout has not passed stays unproven (a restart must not
    /// turn it into an error) and goes on the device's timeline instead.
    public mutating func finish(endOfInput: Bool = true, emit: (Record) -> Void) {
        if endOfInput { return reportSuspectBinds(where: { _ in true }, emit: emit) }
        for suspect in suspectBinds {
            entry(suspect.devpath, nil, ref: suspect.bind, driver: suspect.driver.name,
                  note: "bind after the driver's removal, unresolved at the end of the run")
        }
        suspectBinds.removeAll()
    }

    private mutating func reportSuspectBinds(where due: (SuspectBind) -> Bool, emit: (Record) -> Void) {
        let (report, keep) = (suspectBinds.filter(due), suspectBinds.filter { !due($0) })
        suspectBinds = keep
        for suspect in report.sorted(by: { ($0.bind.seqnum ?? 0) < ($1.bind.seqnum ?? 0) }) {
            emit(.race(RaceRules.bindAfterDriverRemoved(
                devpath: suspect.devpath, driver: suspect.driver,
                module: module(of: suspect.driver, modalias: devices[suspect.devpath]?.modalias),
                removal: suspect.removal, bind: suspect.bind)))
        }
    }
}
