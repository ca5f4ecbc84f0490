extension ProbeTracker {
    mutating func deviceAdded(_ event: UEvent, ref: EventRef) {
        let entry = TimelineEntry(seqnum: ref.seqnum, action: .add, driver: nil, time: ref.time, note: nil)
        let limit = configuration.timelineLimit
        let index = deviceIndex(event.devpath, subsystem: event.subsystem)
        let bus = withDevice(at: index) { device in
            if let subsystem = event.subsystem { device.subsystem = subsystem }
            device.takeModalias(of: event)
            device.removed = false
            // device_add() sends KOBJ_ADD before bus_probe_device(): a new device has no driver yet.
            device.setBindState(.unbound, at: ref)
            device.record(entry, limit: limit)
            return device.subsystem
        }
        guard let bus else { return }
        for driver in registry.registeredDrivers(onBus: bus) where matches(driver, deviceAt: index) {
            startProbe(at: index, driver: driver, trigger: .deviceAdded, ref: ref)
        }
    }

    mutating func deviceRemoved(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        let limit = configuration.timelineLimit
        removalCount += 1
        let removal = removalCount
        let index = deviceIndex(event.devpath, subsystem: event.subsystem)
        withDevice(at: index) { device in
            device.record(TimelineEntry(seqnum: ref.seqnum, action: .remove, driver: device.boundDriver,
                                        time: ref.time, note: nil), limit: limit)
            device.removed = true
            device.setBindState(.unbound, at: ref)
            device.removalNumber = removal
        }
        for probe in pending.endProbes(of: devices.key(at: index))?.all ?? [] {
            emit(.race(explainedIfLogged(RaceRules.deviceRemovedBeforeBind(probe, removal: ref), probe: probe)))
            devices.values[index].annotateLast(.removedBeforeBind(driver: probe.driver.name))
        }
        forgetOldRemovedDevices(adding: devices.key(at: index), removal: removal)
    }

    mutating func deviceBound(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        let limit = configuration.timelineLimit
        let index = deviceIndex(event.devpath, subsystem: event.subsystem)
        // Read what the rules need in one in-place access: a copy of the device kept alive across the
        // mutation would duplicate its whole timeline.
        let (subsystem, previous, since) = withDevice(at: index) { device in
            device.takeModalias(of: event)
            return (device.subsystem, device.boundDriver, device.bindStateSince)
        }
        guard let name = event.driver else {
            return withDevice(at: index) { device in
                device.record(TimelineEntry(seqnum: ref.seqnum, action: .bind, driver: nil, time: ref.time,
                                            note: "bind without DRIVER"), limit: limit)
            }
        }
        let key = registry.key(bus: subsystem ?? event.subsystem, name: name)
        if let previous {
            emit(.race(RaceRules.doubleBind(
                devpath: event.devpath, driver: key, previousDriver: previous,
                module: module(registered: registry[key]?.module, deviceAt: index), firstBind: since, bind: ref)))
        }
        let driver = noteBindOnDriver(key, devpath: event.devpath, ref: ref)
        let bind = BindFacts(devpath: event.devpath, index: index, driver: key, ref: ref)
        let (moot, note) = completeProbe(bind, mode: driver.mode, registeredModule: driver.module, emit: emit)
        withDevice(at: index) { device in
            // The bind's entry, then one per moot probe, the note on the last of them. Each is recorded with
            // its note: annotating an entry already in the timeline copied it in and out.
            device.record(TimelineEntry(seqnum: ref.seqnum, action: .bind, driver: name, time: ref.time,
                                        annotation: moot.isEmpty ? note : nil), limit: limit)
            for (position, other) in moot.enumerated() {
                var entry = TimelineEntry(seqnum: ref.seqnum, action: nil, driver: other, time: ref.time,
                                          note: "probe by \(other) moot")
                if position == moot.count - 1 { entry.annotate(note) }
                device.record(entry, limit: limit)
            }
            device.setBindState(.bound(driver: name), at: ref)
            device.noteBound(by: name)
        }
    }

    /// What completing a probe needs to know about the bind.
    private struct BindFacts {
        var devpath: String
        var index: DeviceIndex
        var driver: DriverKey
        var ref: EventRef
    }

    /// Counts the bind against its driver's registration and says what it proves about probing.
    private mutating func noteBindOnDriver(
        _ key: DriverKey, devpath: String, ref: EventRef
    ) -> (mode: ProbeMode?, module: String?) {
        let state = registry.countBind(key)
        if state.registered { return (nil, state.module) }
        guard let removal = state.removedAt else { return (.sync, state.module) }
        // Either a synchronous re-registration (its `add` will follow) or a bind the driver outlived.
        suspectBinds.append(SuspectBind(devpath: devpath, driver: key, removal: removal, bind: ref))
        let deadline = ref.time.monotonicUsec + configuration.probeTimeoutUsec
        nextStallCheckUsec = min(nextStallCheckUsec ?? deadline, deadline)
        return (.unknown, state.module)
    }

    /// Ends the device's pending probes and emits the bound driver's; returns the drivers of the others,
    /// which the bind made moot, and the note for the bind.
    private mutating func completeProbe(
        _ bind: BindFacts, mode knownMode: ProbeMode?, registeredModule: String?, emit: (Record) -> Void
    ) -> (moot: [String], note: TimelineNote) {
        let ended = pending.endProbes(of: devices.key(at: bind.index))
        let probe = ended?.start(of: bind.driver)
        let moot = ended?.drivers(besides: bind.driver) ?? []
        let mode = knownMode ?? probe.map { $0.trigger == .driverAdded ? .async : .deviceAdd } ?? .unknown
        let latency = probe.map { RaceRules.usec($0.started, bind.ref) }
        let seqnums = probe.map { RaceRules.seqnums($0.started, bind.ref) } ?? RaceRules.seqnums(bind.ref)
        emit(.probe(ProbeCompletion(
            devpath: bind.devpath, driver: bind.driver.name, bus: bind.driver.bus,
            module: probe?.module ?? module(registered: registeredModule, deviceAt: bind.index), mode: mode,
            latencyUsec: latency, seqnums: seqnums, realtimeUsec: bind.ref.time.realtimeUsec)))
        return (moot, .bind(mode: mode, latencyUsec: latency))
    }

    mutating func deviceUnbound(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        let limit = configuration.timelineLimit
        let index = deviceIndex(event.devpath, subsystem: event.subsystem)
        let finding = withDevice(at: index) { device -> Finding? in
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
        if let old = event.devpathOld { devices[event.devpath]?.annotateLast(.text("moved from \(old)")) }
    }

    /// Any other action: history, and a MODALIAS that a `change` may bring.
    mutating func touch(_ event: UEvent, ref: EventRef) {
        let entry = TimelineEntry(seqnum: ref.seqnum, action: event.action, driver: event.driver, time: ref.time,
                                  note: nil)
        let limit = configuration.timelineLimit
        withDevice(at: deviceIndex(event.devpath, subsystem: event.subsystem)) { device in
            if let modalias = event.modalias { device.modalias = modalias }
            device.record(entry, limit: limit)
        }
    }

    /// Keeps removed devices' history, but only the newest `removedDeviceLimit` of them. A devpath removed
    /// again is listed again; only its latest removal (matching `removalNumber`) may forget it.
    private mutating func forgetOldRemovedDevices(adding key: DeviceKey, removal: Int) {
        removedOrder.append((key, removal))
        guard removedOrder.count > configuration.removedDeviceLimit * 2 else { return }
        let excess = removedOrder.count - configuration.removedDeviceLimit
        for (old, number) in removedOrder.prefix(excess) {
            guard let index = devices.index(forKey: old) else { continue }
            if withDevice(at: index, { $0.removed && $0.removalNumber == number }) {
                devices.remove(at: index)
            }
        }
        removedOrder.removeFirst(excess)
    }
}
