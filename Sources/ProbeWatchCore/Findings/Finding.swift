/// The orderings probewatch reports. The raw values are the stable `kind` strings of the JSON log.
public enum FindingKind: String, Sendable, CaseIterable, Codable {
    case driverRemovedBeforeBind = "driver-removed-before-bind"
    case bindAfterDriverRemoved = "bind-after-driver-removed"
    case deviceRemovedBeforeBind = "device-removed-before-bind"
    case doubleBind = "double-bind"
    case unbindWithoutBind = "unbind-without-bind"
    case probeStalled = "probe-stalled"
}

public enum Severity: String, Sendable, Codable, Comparable, CaseIterable {
    /// An ordering the kernel log explains (the probe failed or was deferred): worth a look, not a race.
    case info
    case warning, error

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One ordering that should not happen, with everything needed to find it again in the kernel log.
public struct Finding: Sendable, Equatable {
    public var kind: FindingKind
    public var devpath: String
    public var driver: String
    public var bus: String
    public var module: String?
    /// SEQNUMs of the events involved, oldest first.
    public var seqnums: [UInt64]
    public var windowUsec: Int64
    public var message: String
    public var severity: Severity
    /// Wall-clock time of the event that completed the finding, if known.
    public var realtimeUsec: Int64?
    /// The kernel log line that explains it (a failed or deferred probe), when /dev/kmsg is read.
    public var explanation: String?

    public init(kind: FindingKind, devpath: String, driver: String, bus: String, module: String?, seqnums: [UInt64],
                windowUsec: Int64, message: String, severity: Severity, realtimeUsec: Int64?,
                explanation: String? = nil) {
        (self.kind, self.devpath, self.driver, self.bus, self.module) = (kind, devpath, driver, bus, module)
        (self.seqnums, self.windowUsec, self.message) = (seqnums, windowUsec, message)
        (self.severity, self.realtimeUsec, self.explanation) = (severity, realtimeUsec, explanation)
    }
}

/// How a completed probe was scheduled, as far as the uevent order tells.
public enum ProbeMode: String, Sendable, Codable, CaseIterable {
    /// Bound before its driver's `add`: driver_register() sends KOBJ_ADD after driver_attach() returns.
    case sync
    /// Bound after its driver's `add`: only the async workqueue delivers binds after registration.
    case async
    /// Probed because the device appeared; the order cannot tell sync from async.
    case deviceAdd = "device-add"
    /// A bind no pending probe explains (sysfs `bind`, or a device that predates the run).
    case unknown

    /// The raw value, laid out by the compiler: the JSON log writes one per probe.
    var literal: StaticString {
        switch self {
        case .sync: "sync"
        case .async: "async"
        case .deviceAdd: "device-add"
        case .unknown: "unknown"
        }
    }
}

/// A probe that ended: in a bind (from the uevents), or failed or deferred (from the kernel log).
public struct ProbeCompletion: Sendable, Equatable {
    public var devpath: String
    public var driver: String
    public var bus: String
    public var module: String?
    public var mode: ProbeMode
    /// From pending start to bind; nil when the start is unknown (synchronous registration).
    public var latencyUsec: Int64?
    public var seqnums: [UInt64]
    public var realtimeUsec: Int64?
    public var outcome: ProbeOutcome
    /// The probe's error (negative errno; -517 is -EPROBE_DEFER) when it did not bind.
    public var error: Int?

    public init(devpath: String, driver: String, bus: String, module: String?, mode: ProbeMode, latencyUsec: Int64?,
                seqnums: [UInt64], realtimeUsec: Int64?, outcome: ProbeOutcome = .bound, error: Int? = nil) {
        (self.devpath, self.driver, self.bus, self.module, self.mode) = (devpath, driver, bus, module, mode)
        (self.latencyUsec, self.seqnums, self.realtimeUsec) = (latencyUsec, seqnums, realtimeUsec)
        (self.outcome, self.error) = (outcome, error)
    }
}
