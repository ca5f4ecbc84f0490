/// What sysfs said at one moment: devices with their drivers, and registered drivers with their modules.
public struct SystemSnapshot: Sendable, Equatable {
    public struct Device: Sendable, Equatable {
        public var devpath: String
        public var subsystem: String?
        public var driver: String?
        public var modalias: String?
        public init(devpath: String, subsystem: String?, driver: String?, modalias: String?) {
            self.devpath = devpath
            self.subsystem = subsystem
            self.driver = driver
            self.modalias = modalias
        }
    }

    public struct Driver: Sendable, Equatable {
        public var key: DriverKey
        public var module: String?
        public init(key: DriverKey, module: String?) {
            self.key = key
            self.module = module
        }
    }

    public var devices: [Device]
    public var drivers: [Driver]
    /// The driver core's deferred-probe list (debugfs `devices_deferred`): device name and reason.
    public var deferred: [(device: String, reason: String)]

    public init(devices: [Device], drivers: [Driver], deferred: [(device: String, reason: String)] = []) {
        self.devices = devices
        self.drivers = drivers
        self.deferred = deferred
    }

    public static func == (lhs: SystemSnapshot, rhs: SystemSnapshot) -> Bool {
        lhs.devices == rhs.devices && lhs.drivers == rhs.drivers
            && lhs.deferred.elementsEqual(rhs.deferred) { $0 == $1 }
    }
}

/// An unbound device that a module claims.
public struct UnboundDevice: Sendable, Equatable {
    public var devpath: String
    public var modules: [String]
}

/// The one-screen numbers of a snapshot, also written as the `snapshot` record.
public struct SnapshotSummary: Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        case startup, resync
    }

    public var reason: Reason
    public var devices: Int
    public var bound: Int
    /// Unbound devices whose MODALIAS resolves to a module: candidates for a failed or missing probe.
    public var unboundWithModule: Int
    /// A few of those, with the modules their MODALIAS resolves to, for the startup screen.
    public var unboundExamples: [UnboundDevice] = []
    public var drivers: Int
    public var realtimeUsec: Int64?

    public init(reason: Reason, devices: Int, bound: Int, unboundWithModule: Int,
                unboundExamples: [UnboundDevice] = [], drivers: Int, realtimeUsec: Int64?) {
        (self.reason, self.devices, self.bound, self.unboundWithModule) = (reason, devices, bound, unboundWithModule)
        (self.unboundExamples, self.drivers, self.realtimeUsec) = (unboundExamples, drivers, realtimeUsec)
    }
}
