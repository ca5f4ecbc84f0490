extension ProbeTracker {
    mutating func processDriver(_ key: DriverKey, event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        switch event.action {
        case .add: driverAdded(key, ref: ref)
        case .remove: driverRemoved(key, ref: ref, emit: emit)
        default: break
        }
    }

    mutating func processModule(_ name: String, action: UEventAction, ref: EventRef, emit: (Record) -> Void) {
        switch action {
        case .add:
            registry.moduleAdded(name)
        case .remove:
            // free_module() runs after the module's exit unregistered its drivers; a driver still
            // registered here lost its `remove` (overflow), so it is removed now.
            for key in registry.drivers(ofModule: name) { driverRemoved(key, ref: ref, emit: emit) }
            registry.moduleEventSeen()
        default:
            break
        }
    }

    mutating func driverAdded(_ key: DriverKey, ref: EventRef) {
        suspectBinds.removeAll { $0.driver == key }  // they were this registration's synchronous binds
        registry.register(key, at: ref, module: configuration.moduleOfDriver(key))
        guard let state = registry[key], state.bindsBeforeAdd == 0 else {
            // driver_attach() already tried every device synchronously before this `add`.
            return
        }
        let driver = RegisteredDriver(key: key, module: state.module)
        for devpath in waitingDevices(onBus: key.bus) {
            guard let index = devices.index(forKey: devpath), matches(driver, deviceAt: index) else { continue }
            startProbe(at: index, driver: driver, trigger: .driverAdded, ref: ref)
        }
    }

    mutating func driverRemoved(_ key: DriverKey, ref: EventRef, emit: (Record) -> Void) {
        for probe in pending.endAll(driver: key) {
            emit(.race(explainedIfLogged(RaceRules.driverRemovedBeforeBind(probe, removal: ref), probe: probe)))
            entry(probe.devpath, nil, ref: ref, driver: key.name, note: "driver removed before bind")
        }
        registry.unregister(key, at: ref)
        // driver_detach() unbinds every device before the `remove`; one still bound lost its `unbind`.
        let limit = configuration.timelineLimit
        for index in deviceIndices(where: { $0.subsystem == key.bus && $0.boundDriver == key.name }) {
            devices.values[index].setBindState(.unbound, at: ref)
            devices.values[index].record(
                TimelineEntry(seqnum: ref.seqnum, action: nil, driver: key.name, time: ref.time,
                              note: "driver removed while bound (no unbind seen)"),
                limit: limit)
        }
    }

    /// Devices on `bus` that exist and are known to have no driver, in a stable order.
    func waitingDevices(onBus bus: String) -> [String] {
        deviceIndices { !$0.removed && $0.subsystem == bus && $0.bindState == .unbound }
            .map { devices.values[$0].devpath }.sorted()
    }

    /// The device at `index` is pending on `driver` from now on.
    mutating func startProbe(
        at index: DeviceIndex, driver: RegisteredDriver, trigger: ProbeTrigger, ref: EventRef
    ) {
        let devpath = devices.devpath(at: index)
        let module = module(registered: driver.module, deviceAt: index)
        pending.start(
            PendingProbe(devpath: devpath, driver: driver.key, module: module, trigger: trigger, started: ref),
            key: devices.key(at: index))
        let deadline = ref.time.monotonicUsec + configuration.probeTimeoutUsec
        nextStallCheckUsec = min(nextStallCheckUsec ?? deadline, deadline)
        // The `add` that started it is the last entry: the note goes on it.
        if trigger == .deviceAdded,
           devices.values[index].annotateLast(.probePendingBy(driver: driver.key.name), ifSeqnum: ref.seqnum) {
            return
        }
        devices.values[index].record(
            TimelineEntry(seqnum: ref.seqnum, action: nil, driver: driver.key.name, time: ref.time,
                          note: "probe pending (\(trigger.rawValue))"),
            limit: configuration.timelineLimit)
    }
}
