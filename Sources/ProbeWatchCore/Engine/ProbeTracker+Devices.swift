extension ProbeTracker {
    mutating func deviceAdded(_ event: UEvent, ref: EventRef) {
        var device = device(event.devpath, subsystem: event.subsystem)
        device.subsystem = event.subsystem ?? device.subsystem
        device.modalias = event.modalias ?? device.modalias
        device.removed = false
        // device_add() sends KOBJ_ADD before bus_probe_device(): a new device has no driver yet.
        device.bindState = .unbound
        devices[event.devpath] = device
        unboundSince[event.devpath] = ref
        entry(event.devpath, event, ref: ref, driver: nil, note: nil)
        guard let bus = device.subsystem else { return }
        for state in registry.registered(onBus: bus) where matches(device, state) {
            startProbe(devpath: event.devpath, driver: state.key, trigger: .deviceAdded, ref: ref)
        }
    }

    mutating func deviceRemoved(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        devices[event.devpath] = device(event.devpath, subsystem: event.subsystem)
        entry(event.devpath, event, ref: ref, driver: devices[event.devpath]?.boundDriver, note: nil)
        for probe in pending.endAll(devpath: event.devpath) {
            emit(.race(RaceRules.deviceRemovedBeforeBind(probe, removal: ref)))
            devices[event.devpath]?.annotateLast("removed before bind by \(probe.driver.name)")
        }
        devices[event.devpath]?.removed = true
        devices[event.devpath]?.bindState = .unbound
        forgetOldRemovedDevices(adding: event.devpath)
    }

    mutating func deviceBound(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        var device = device(event.devpath, subsystem: event.subsystem)
        device.modalias = event.modalias ?? device.modalias
        devices[event.devpath] = device
        guard let name = event.driver else {
            return entry(event.devpath, event, ref: ref, driver: nil, note: "bind without DRIVER")
        }
        let key = registry.key(bus: device.subsystem ?? event.subsystem, name: name)
        entry(event.devpath, event, ref: ref, driver: name, note: nil)
        if let previous = device.boundDriver {
            emit(.race(RaceRules.doubleBind(
                devpath: event.devpath, driver: key, previousDriver: previous,
                module: module(of: key, device: device), firstBind: lastBind[event.devpath], bind: ref)))
        }
        let mode = noteBindOnDriver(key, devpath: event.devpath, ref: ref)
        completeProbe(devpath: event.devpath, driver: key, mode: mode, ref: ref, emit: emit)
        devices[event.devpath]?.bindState = .bound(driver: name)
        devices[event.devpath]?.boundBefore.insert(name)
        lastBind[event.devpath] = ref
        unboundSince[event.devpath] = nil
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
        devpath: String, driver: DriverKey, mode syncMode: ProbeMode?, ref: EventRef, emit: (Record) -> Void
    ) {
        let probe = pending.end(devpath: devpath, driver: driver)
        for other in pending.endAll(devpath: devpath) {
            entry(devpath, nil, ref: ref, driver: other.driver.name, note: "probe by \(other.driver.name) moot")
        }
        let mode = syncMode ?? probe.map { $0.trigger == .driverAdded ? .async : .deviceAdd } ?? .unknown
        let latency = probe.map { RaceRules.usec($0.started, ref) }
        var seqnums = probe.map { RaceRules.seqnums($0.started, ref) } ?? RaceRules.seqnums(ref)
        if probe == nil, mode == .sync { seqnums = RaceRules.seqnums(ref) }
        emit(.probe(ProbeCompletion(
            devpath: devpath, driver: driver.name, bus: driver.bus,
            module: probe?.module ?? module(of: driver, device: devices[devpath]), mode: mode,
            latencyUsec: latency, seqnums: seqnums, realtimeUsec: ref.time.realtimeUsec)))
        let note = latency.map { "\(mode.rawValue) bind \(TimeSpan.describe(usec: $0)) after probe became pending" }
        devices[devpath]?.annotateLast(note ?? "\(mode.rawValue) bind")
    }

    mutating func deviceUnbound(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        var device = device(event.devpath, subsystem: event.subsystem)
        // The kernel clears dev->driver before sending `unbind`: the driver comes from memory.
        let lastDriver = device.boundDriver ?? device.boundBefore.sorted().last
        if device.bindState == .unbound {
            emit(.race(RaceRules.unbindWithoutBind(
                devpath: event.devpath, bus: device.subsystem ?? event.subsystem ?? "?", lastDriver: lastDriver,
                unboundSince: unboundSince[event.devpath], unbind: ref)))
        }
        device.bindState = .unbound
        devices[event.devpath] = device
        unboundSince[event.devpath] = ref
        lastBind[event.devpath] = nil
        entry(event.devpath, event, ref: ref, driver: lastDriver, note: nil)
    }

    mutating func deviceMoved(_ event: UEvent, ref: EventRef) {
        if let old = event.devpathOld, old != event.devpath, var device = devices.removeValue(forKey: old) {
            device.devpath = event.devpath
            devices[event.devpath] = device
            pending.rename(from: old, to: event.devpath)
            lastBind[event.devpath] = lastBind.removeValue(forKey: old)
            unboundSince[event.devpath] = unboundSince.removeValue(forKey: old)
        }
        touch(event, ref: ref)
        if let old = event.devpathOld { devices[event.devpath]?.annotateLast("moved from \(old)") }
    }

    mutating func touch(_ event: UEvent, ref: EventRef) {
        var device = device(event.devpath, subsystem: event.subsystem)
        device.modalias = event.modalias ?? device.modalias
        device.subsystem = device.subsystem ?? event.subsystem
        devices[event.devpath] = device
        entry(event.devpath, event, ref: ref, driver: event.driver, note: nil)
    }

    /// Keeps removed devices' history, but only the newest `removedDeviceLimit` of them.
    private mutating func forgetOldRemovedDevices(adding devpath: String) {
        removedOrder.append(devpath)
        guard removedOrder.count > configuration.removedDeviceLimit * 2 else { return }
        let excess = removedOrder.count - configuration.removedDeviceLimit
        for old in removedOrder.prefix(excess) where devices[old]?.removed == true {
            devices[old] = nil
            lastBind[old] = nil
            unboundSince[old] = nil
        }
        removedOrder.removeFirst(excess)
    }
}
