extension ProbeTracker {
    mutating func deviceAdded(_ event: UEvent, ref: EventRef) {
        let entry = TimelineEntry(seqnum: ref.seqnum, action: .add, driver: nil, time: ref.time, note: nil)
        let limit = configuration.timelineLimit
        let device = withDevice(event.devpath, subsystem: event.subsystem) { device in
            device.subsystem = event.subsystem ?? device.subsystem
            device.modalias = event.modalias ?? device.modalias
            device.removed = false
            // device_add() sends KOBJ_ADD before bus_probe_device(): a new device has no driver yet.
            device.setBindState(.unbound, at: ref)
            device.record(entry, limit: limit)
            return device
        }
        guard let bus = device.subsystem, registry.hasRegisteredDrivers(onBus: bus) else { return }
        for state in registry.registered(onBus: bus) where matches(device, state) {
            startProbe(devpath: event.devpath, driver: state.key, trigger: .deviceAdded, ref: ref)
        }
    }

    mutating func deviceRemoved(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        let limit = configuration.timelineLimit
        withDevice(event.devpath, subsystem: event.subsystem) { device in
            device.record(TimelineEntry(seqnum: ref.seqnum, action: .remove, driver: device.boundDriver,
                                        time: ref.time, note: nil), limit: limit)
            device.removed = true
            device.setBindState(.unbound, at: ref)
        }
        for probe in pending.endAll(devpath: event.devpath) {
            emit(.race(explainedIfLogged(RaceRules.deviceRemovedBeforeBind(probe, removal: ref), probe: probe)))
            devices[event.devpath]?.annotateLast("removed before bind by \(probe.driver.name)")
        }
        forgetOldRemovedDevices(adding: event.devpath)
    }

    mutating func deviceBound(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        let limit = configuration.timelineLimit
        // Read what the rules need, and record the bind, in one in-place access: a copy of the device
        // kept alive across the mutation would duplicate its whole timeline.
        let (subsystem, previous, since) = withDevice(event.devpath, subsystem: event.subsystem) { device in
            device.modalias = event.modalias ?? device.modalias
            device.record(TimelineEntry(seqnum: ref.seqnum, action: .bind, driver: event.driver, time: ref.time,
                                        note: event.driver == nil ? "bind without DRIVER" : nil), limit: limit)
            return (device.subsystem, device.boundDriver, device.bindStateSince)
        }
        guard let name = event.driver else { return }
        let key = registry.key(bus: subsystem ?? event.subsystem, name: name)
        if let previous {
            emit(.race(RaceRules.doubleBind(
                devpath: event.devpath, driver: key, previousDriver: previous,
                module: module(of: key, device: devices[event.devpath]), firstBind: since, bind: ref)))
        }
        let mode = noteBindOnDriver(key, devpath: event.devpath, ref: ref)
        completeProbe(devpath: event.devpath, driver: key, mode: mode, ref: ref, emit: emit)
        withDevice(event.devpath, subsystem: event.subsystem) { device in
            device.setBindState(.bound(driver: name), at: ref)
            device.boundBefore.insert(name)
        }
    }

    /// Counts the bind against its driver's registration and says what it proves about probing.
    private mutating func noteBindOnDriver(_ key: DriverKey, devpath: String, ref: EventRef) -> ProbeMode? {
        var state = registry[key] ?? DriverState(key: key, module: nil, registered: false)
        defer { registry[key] = state }
        if state.registered {
            state.bindsAfterAdd += 1
            return nil
        }
        state.bindsBeforeAdd += 1
        guard let removal = state.removedAt else { return .sync }
        // Either a synchronous re-registration (its `add` will follow) or a bind the driver outlived.
        suspectBinds.append(SuspectBind(devpath: devpath, driver: key, removal: removal, bind: ref))
        let deadline = ref.time.monotonicUsec + configuration.probeTimeoutUsec
        nextStallCheckUsec = min(nextStallCheckUsec ?? deadline, deadline)
        return .unknown
    }

    private mutating func completeProbe(
        devpath: String, driver: DriverKey, mode knownMode: ProbeMode?, ref: EventRef, emit: (Record) -> Void
    ) {
        let probe = pending.end(devpath: devpath, driver: driver)
        for other in pending.endAll(devpath: devpath) {
            entry(devpath, nil, ref: ref, driver: other.driver.name, note: "probe by \(other.driver.name) moot")
        }
        let mode = knownMode ?? probe.map { $0.trigger == .driverAdded ? .async : .deviceAdd } ?? .unknown
        let latency = probe.map { RaceRules.usec($0.started, ref) }
        emit(.probe(ProbeCompletion(
            devpath: devpath, driver: driver.name, bus: driver.bus,
            module: probe?.module ?? module(of: driver, device: devices[devpath]), mode: mode,
            latencyUsec: latency, seqnums: probe.map { RaceRules.seqnums($0.started, ref) } ?? RaceRules.seqnums(ref),
            realtimeUsec: ref.time.realtimeUsec)))
        let note = latency.map { "\(mode.rawValue) bind \(TimeSpan.describe(usec: $0)) after probe became pending" }
        devices[devpath]?.annotateLast(note ?? "\(mode.rawValue) bind")
    }

    mutating func deviceUnbound(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        let limit = configuration.timelineLimit
        let finding = withDevice(event.devpath, subsystem: event.subsystem) { device -> Finding? in
            // The kernel clears dev->driver before sending `unbind`: the driver comes from memory.
            let lastDriver = device.boundDriver ?? device.boundBefore.sorted().last
            let finding = device.bindState != .unbound ? nil : RaceRules.unbindWithoutBind(
                devpath: event.devpath, bus: device.subsystem ?? event.subsystem ?? "?", lastDriver: lastDriver,
                unboundSince: device.bindStateSince, unbind: ref)
            device.setBindState(.unbound, at: ref)
            device.record(TimelineEntry(seqnum: ref.seqnum, action: .unbind, driver: lastDriver, time: ref.time,
                                        note: nil), limit: limit)
            return finding
        }
        if let finding { emit(.race(finding)) }
    }

    mutating func deviceMoved(_ event: UEvent, ref: EventRef) {
        if let old = event.devpathOld, old != event.devpath, var device = devices.removeValue(forKey: old) {
            device.devpath = event.devpath
            devices[event.devpath] = device
            pending.rename(from: old, to: event.devpath)
        }
        touch(event, ref: ref)
        if let old = event.devpathOld { devices[event.devpath]?.annotateLast("moved from \(old)") }
    }

    /// Any other action: history, and a MODALIAS that a `change` may bring.
    mutating func touch(_ event: UEvent, ref: EventRef) {
        let entry = TimelineEntry(seqnum: ref.seqnum, action: event.action, driver: event.driver, time: ref.time,
                                  note: nil)
        let limit = configuration.timelineLimit
        withDevice(event.devpath, subsystem: event.subsystem) { device in
            device.modalias = event.modalias ?? device.modalias
            device.record(entry, limit: limit)
        }
    }

    /// Keeps removed devices' history, but only the newest `removedDeviceLimit` of them. A devpath removed
    /// again is listed again; only its latest removal (matching `removalNumber`) may forget it.
    private mutating func forgetOldRemovedDevices(adding devpath: String) {
        removalCount += 1
        devices[devpath]?.removalNumber = removalCount
        removedOrder.append((devpath, removalCount))
        guard removedOrder.count > configuration.removedDeviceLimit * 2 else { return }
        let excess = removedOrder.count - configuration.removedDeviceLimit
        for (old, number) in removedOrder.prefix(excess)
        where devices[old]?.removed == true && devices[old]?.removalNumber == number {
            devices[old] = nil
        }
        removedOrder.removeFirst(excess)
    }
}
