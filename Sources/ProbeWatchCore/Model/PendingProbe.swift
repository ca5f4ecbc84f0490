/// What made the kernel try a probe.
public enum ProbeTrigger: String, Sendable, Codable {
    /// The driver registered while the device was waiting (driver_attach()).
    case driverAdded = "driver-add"
    /// The device appeared while the driver was registered (bus_probe_device()).
    case deviceAdded = "device-add"
}

/// A probe the kernel would be running now: started, not yet ended by bind, device removal or driver removal.
public struct PendingProbe: Sendable, Equatable {
    public var devpath: String
    public var driver: DriverKey
    public var module: String?
    public var trigger: ProbeTrigger
    public var started: EventRef
    public var stallReported = false
    /// A failed or deferred outcome was emitted: one attempt prints several lines, one record is enough.
    public var outcomeReported = false
}

/// Pending probes by device, then driver: a device can match several drivers and wait for all of them.
public struct PendingProbes: Sendable {
    /// Keyed as the tracker's devices are (see DeviceKey).
    private var byDevice: [DeviceKey: ProbesOfDevice] = [:]
    public private(set) var count = 0

    public init() {}

    public func probes(of devpath: String) -> [PendingProbe] {
        byDevice[DeviceKey(devpath)]?.all ?? []
    }

    public func probes(by driver: DriverKey) -> [PendingProbe] {
        byDevice.values.compactMap { $0.probe(by: driver) }.sorted { $0.devpath < $1.devpath }
    }

    public var all: [PendingProbe] {
        byDevice.values.flatMap(\.all)
    }

    public mutating func start(_ probe: PendingProbe) {
        start(probe, key: DeviceKey(probe.devpath))
    }

    /// With the device's key as the tracker keeps it, hashed already, so looking it up twice costs little.
    /// A device's add nearly always starts its first probe: it is moved into a new slot, where the
    /// optional slot of `byDevice[key]` copied it, and the slot, once more each.
    mutating func start(_ probe: consuming PendingProbe, key: DeviceKey) {
        if let index = byDevice.index(forKey: key) {
            if byDevice.values[index].put(probe) { count += 1 }
        } else {
            byDevice[key] = ProbesOfDevice(probe)
            count += 1
        }
    }

    @discardableResult
    public mutating func end(devpath: String, driver: DriverKey) -> PendingProbe? {
        guard let index = byDevice.index(forKey: DeviceKey(devpath)),
              let probe = byDevice.values[index].probe(by: driver) else { return nil }
        if byDevice.values[index].count == 1 {
            byDevice.remove(at: index)
        } else {
            byDevice.values[index].remove(driver)
        }
        count -= 1
        return probe
    }

    @discardableResult
    public mutating func endAll(devpath: String) -> [PendingProbe] {
        endProbes(of: devpath)?.all ?? []
    }

    /// Like `endAll(devpath:)`, without building an array: a bind ends one probe on nearly every call.
    mutating func endProbes(of devpath: String) -> ProbesOfDevice? {
        endProbes(of: DeviceKey(devpath))
    }

    /// The same by the device's key as the tracker keeps it, hashed already.
    mutating func endProbes(of key: DeviceKey) -> ProbesOfDevice? {
        guard count > 0, let ended = byDevice.removeValue(forKey: key) else { return nil }
        count -= ended.count
        return ended
    }

    @discardableResult
    public mutating func endAll(driver: DriverKey) -> [PendingProbe] {
        let ended = probes(by: driver)
        for probe in ended { end(devpath: probe.devpath, driver: driver) }
        return ended
    }

    public mutating func markStallReported(_ probe: PendingProbe) {
        byDevice[DeviceKey(probe.devpath)]?.update(probe.driver) { $0.stallReported = true }
    }

    public mutating func markOutcomeReported(_ probe: PendingProbe) {
        byDevice[DeviceKey(probe.devpath)]?.update(probe.driver) { $0.outcomeReported = true }
    }

    public mutating func rename(from old: String, to new: String) {
        guard var probes = byDevice.removeValue(forKey: DeviceKey(old)) else { return }
        probes.rename(to: new)
        byDevice[DeviceKey(new)] = probes
    }
}
