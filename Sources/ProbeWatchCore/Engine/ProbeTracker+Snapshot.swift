extension ProbeTracker {
    /// Learns the system as it was before the first event. Starts no probes: an unbound device that a
    /// registered driver matches may have failed long ago, and the run did not see it start.
    public mutating func load(_ snapshot: SystemSnapshot, at time: EventTime) -> SnapshotSummary {
        devices.reserveCapacity(max(8192, snapshot.devices.count * 4))
        for device in snapshot.devices {
            var state = DeviceState(devpath: device.devpath, subsystem: device.subsystem, modalias: device.modalias)
            state.bindState = device.driver.map { .bound(driver: $0) } ?? .unbound
            if let driver = device.driver { state.boundBefore.insert(driver) }
            devices[device.devpath] = state
        }
        for driver in snapshot.drivers { registry.adopt(driver.key, module: driver.module) }
        rememberDeferred(snapshot.deferred, at: time)
        return summary(of: snapshot, reason: .startup, time: time)
    }

    /// After lost events: makes the model agree with sysfs without calling anything a race, because the
    /// events that explain the difference are gone.
    public mutating func reconcile(with snapshot: SystemSnapshot, at time: EventTime) -> SnapshotSummary {
        let ref = EventRef(seqnum: nil, time: time)
        var present = Set<DeviceKey>()  // as the devices are keyed
        for device in snapshot.devices {
            present.insert(DeviceKey(device.devpath))
            reconcileDevice(device, ref: ref)
        }
        for (devpath, device) in devices where !device.removed && !present.contains(DeviceKey(devpath)) {
            pending.endAll(devpath: devpath)
            devices[devpath]?.removed = true
            entry(devpath, nil, ref: ref, driver: nil, note: "gone after lost events (no remove seen)")
        }
        let registered = Set(snapshot.drivers.map(\.key))
        for state in registry.drivers.values where state.registered && !registered.contains(state.key) {
            pending.endAll(driver: state.key)
            registry.unregister(state.key, at: ref)
        }
        for driver in snapshot.drivers where registry[driver.key]?.registered != true {
            registry.adopt(driver.key, module: driver.module)
        }
        return summary(of: snapshot, reason: .resync, time: time)
    }

    private mutating func reconcileDevice(_ found: SystemSnapshot.Device, ref: EventRef) {
        var device = device(found.devpath, subsystem: found.subsystem)
        device.modalias = found.modalias ?? device.modalias
        device.removed = false
        let note: String?
        switch (found.driver, device.bindState) {
        case (let driver?, .bound(let known)) where driver == known: note = nil
        case (let driver?, _):
            device.bindState = .bound(driver: driver)
            device.boundBefore.insert(driver)
            note = "bound to \(driver) without a seen bind (events lost)"
        case (nil, .bound):
            device.bindState = .unbound
            note = "unbound without a seen unbind (events lost)"
        case (nil, _):
            device.bindState = .unbound
            note = nil
        }
        devices[found.devpath] = device
        guard let note else { return }
        pending.endAll(devpath: found.devpath)
        entry(found.devpath, nil, ref: ref, driver: found.driver, note: note)
    }

    /// Devices the driver core lists as deferred are waiting for a supplier: evidence, like the kernel log's
    /// "deferred probe pending", that explains a probe of theirs that never binds.
    private mutating func rememberDeferred(_ deferred: [(device: String, reason: String)], at time: EventTime) {
        for (device, reason) in deferred {
            let line = "devices_deferred: \(device)" + (reason.isEmpty ? "" : " \(reason)")
            let record = KmsgRecord(priority: 6, sequence: 0, monotonicUsec: time.monotonicUsec, text: line)
            let evidence = ProbeEvidence(kind: .deferred(reason: reason.isEmpty ? nil : reason), device: device,
                                         driver: nil, record: record)
            remember(evidence, at: time)
        }
    }

    func summary(of snapshot: SystemSnapshot, reason: SnapshotSummary.Reason, time: EventTime) -> SnapshotSummary {
        let unbound = snapshot.devices.filter { $0.driver == nil }
        let withModule = unbound.compactMap { device -> UnboundDevice? in
            let modules = device.modalias.map(configuration.modulesForModalias) ?? []
            return modules.isEmpty ? nil : UnboundDevice(devpath: device.devpath, modules: modules)
        }
        return SnapshotSummary(
            reason: reason, devices: snapshot.devices.count, bound: snapshot.devices.count - unbound.count,
            unboundWithModule: withModule.count, unboundExamples: Array(withModule.prefix(10)),
            drivers: snapshot.drivers.count, realtimeUsec: time.realtimeUsec)
    }
}
