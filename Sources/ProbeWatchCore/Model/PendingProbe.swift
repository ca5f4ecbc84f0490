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
    private var byDevice: [String: [DriverKey: PendingProbe]] = [:]
    public private(set) var count = 0

    public init() {}

    public func probes(of devpath: String) -> [PendingProbe] {
        (byDevice[devpath] ?? [:]).values.sorted { $0.driver < $1.driver }
    }

    public func probes(by driver: DriverKey) -> [PendingProbe] {
        byDevice.values.compactMap { $0[driver] }.sorted { $0.devpath < $1.devpath }
    }

    public var all: [PendingProbe] {
        byDevice.values.flatMap(\.values)
    }

    public mutating func start(_ probe: PendingProbe) {
        if byDevice[probe.devpath, default: [:]].updateValue(probe, forKey: probe.driver) == nil { count += 1 }
    }

    @discardableResult
    public mutating func end(devpath: String, driver: DriverKey) -> PendingProbe? {
        guard let probe = byDevice[devpath]?.removeValue(forKey: driver) else { return nil }
        if byDevice[devpath]?.isEmpty == true { byDevice[devpath] = nil }
        count -= 1
        return probe
    }

    @discardableResult
    public mutating func endAll(devpath: String) -> [PendingProbe] {
        let ended = probes(of: devpath)
        count -= ended.count
        byDevice[devpath] = nil
        return ended
    }

    @discardableResult
    public mutating func endAll(driver: DriverKey) -> [PendingProbe] {
        let ended = probes(by: driver)
        for probe in ended { end(devpath: probe.devpath, driver: driver) }
        return ended
    }

    public mutating func markStallReported(_ probe: PendingProbe) {
        byDevice[probe.devpath]?[probe.driver]?.stallReported = true
    }

    public mutating func markOutcomeReported(_ probe: PendingProbe) {
        byDevice[probe.devpath]?[probe.driver]?.outcomeReported = true
    }

    public mutating func rename(from old: String, to new: String) {
        guard var probes = byDevice.removeValue(forKey: old) else { return }
        for key in probes.keys { probes[key]?.devpath = new }
        byDevice[new] = probes
    }
}
