/// Turns an ordered stream of uevents into device timelines, pending probes, completed probes and findings.
///
/// Callers feed events in SEQNUM order (see `SeqnumReorderBuffer`) and call `advance(to:)` when time passes
/// without events, so stalls are reported even on a quiet system.
public struct ProbeTracker {
    public struct Configuration {
        public var probeTimeoutUsec: Int64 = 30_000_000
        /// Timeline entries kept per device.
        public var timelineLimit = 64
        /// Removed devices kept for their history before the oldest are forgotten.
        public var removedDeviceLimit = 4096
        /// MODALIAS to module names (libkmod in the daemon, a table in tests).
        public var modulesForModalias: (String) -> [String] = { _ in [] }
        /// A registered driver's module from sysfs, when the daemon can read it.
        public var moduleOfDriver: (DriverKey) -> String? = { _ in nil }

        public init() {}
    }

    /// A bind that named a removed driver. It is a finding unless the driver's `add` follows in time,
    /// because synchronous registration binds before its `add` (driver_register()).
    struct SuspectBind {
        var devpath: String
        var driver: DriverKey
        var removal: EventRef
        var bind: EventRef
    }

    public internal(set) var configuration: Configuration
    public internal(set) var devices = DeviceTable()
    public internal(set) var registry = DriverRegistry()
    public internal(set) var pending = PendingProbes()
    var suspectBinds: [SuspectBind] = []
    var removedOrder: [(key: DeviceKey, number: Int)] = []
    var removalCount = 0
    /// Kernel log evidence about devices not seen yet: a probe can print before its device's `add`
    /// reaches the tracker (the uevent waits in the reorder buffer, the log line does not).
    var unclaimedKernelLog: [ProbeEvidence] = []
    var nextStallCheckUsec: Int64?
    /// The last MODALIAS lookup and its answer: a device's `add` and its `bind` ask about the same alias,
    /// and so do the devices of a storm (see `modules(forModalias:)`).
    var lastModuleLookup: ModuleLookup?

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// A reload changed the timeout: probes pending now are judged by the new one too.
    public mutating func setProbeTimeout(usec: Int64) {
        configuration.probeTimeoutUsec = usec
        nextStallCheckUsec = pending.count > 0 || !suspectBinds.isEmpty ? 0 : nil
    }

    /// Applies one event and emits the probes and findings it completes.
    public mutating func process(_ event: UEvent, emit: (Record) -> Void) {
        let ref = EventRef(seqnum: event.seqnum, time: event.received)
        switch event.object {
        case .driver(let key):
            processDriver(key, event: event, ref: ref, emit: emit)
        case .module(let name):
            processModule(name, action: event.action, ref: ref, emit: emit)
        case .device:
            processDevice(event, ref: ref, emit: emit)
        }
        advance(toMonotonicUsec: event.received.monotonicUsec, realtimeUsec: event.received.realtimeUsec, emit: emit)
    }

    private mutating func processDevice(_ event: UEvent, ref: EventRef, emit: (Record) -> Void) {
        switch event.action {
        case .add:
            deviceAdded(event, ref: ref)
            claimKernelLog(for: event.devpath, at: ref, emit: emit)
        case .remove: deviceRemoved(event, ref: ref, emit: emit)
        case .bind: deviceBound(event, ref: ref, emit: emit)
        case .unbind: deviceUnbound(event, ref: ref, emit: emit)
        case .move: deviceMoved(event, ref: ref)
        case .change, .online, .offline: touch(event, ref: ref)
        }
    }

    mutating func entry(_ devpath: String, _ event: UEvent?, ref: EventRef, driver: String?, note: String?) {
        devices[devpath]?.record(
            TimelineEntry(seqnum: ref.seqnum, action: event?.action, driver: driver, time: ref.time, note: note),
            limit: configuration.timelineLimit)
    }

    func device(_ devpath: String, subsystem: String?) -> DeviceState {
        devices[devpath] ?? DeviceState(devpath: devpath, subsystem: subsystem, modalias: nil)
    }
}
