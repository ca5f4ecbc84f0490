/// A point in the event stream: which uevent, and when it arrived.
public struct EventRef: Sendable, Equatable {
    public var seqnum: UInt64?
    public var time: EventTime
    public init(seqnum: UInt64?, time: EventTime) {
        self.seqnum = seqnum
        self.time = time
    }
}

/// One driver on one bus, across registrations.
public struct DriverState: Sendable {
    public var key: DriverKey
    public var module: String?
    public var registered: Bool
    /// The `add` of the current registration; nil when it was registered before the run (snapshot).
    public var registeredAt: EventRef?
    public var removedAt: EventRef?
    /// Binds seen while this registration's `add` had not yet arrived: bus_add_driver() sends KOBJ_ADD only
    /// after driver_attach() returns, so such binds prove synchronous probing.
    public var bindsBeforeAdd = 0
    /// Binds after the `add`: only asynchronous probing delivers them.
    public var bindsAfterAdd = 0

    public init(key: DriverKey, module: String?, registered: Bool) {
        self.key = key
        self.module = module
        self.registered = registered
    }
}

/// What matching a device needs of a registered driver.
struct RegisteredDriver: Sendable {
    var key: DriverKey
    var module: String?
}

/// Drivers keyed by bus and name, with the module links the rules need.
public struct DriverRegistry: Sendable {
    public private(set) var drivers: [DriverKey: DriverState] = [:]
    /// Registered drivers per bus with their modules, rebuilt lazily: drivers change rarely, device adds
    /// ask often. Whatever changes a driver's registration or module drops it.
    private var registeredByBus: [String: [RegisteredDriver]]?
    /// Drivers registered since the last module uevent that still lack a module (see `moduleAdded`).
    private var unlinkedSinceModuleEvent: [DriverKey] = []

    public init() {}

    public subscript(key: DriverKey) -> DriverState? {
        get { drivers[key] }
        set {
            let old = drivers[key]
            if old?.registered != newValue?.registered || old?.module != newValue?.module { registeredByBus = nil }
            drivers[key] = newValue
        }
    }

    /// The registered drivers of a bus in key order, without a lookup per driver.
    mutating func registeredDrivers(onBus bus: String) -> [RegisteredDriver] {
        if registeredByBus == nil { buildBusIndex() }
        return registeredByBus?[bus] ?? []
    }

    private mutating func buildBusIndex() {
        let registered = drivers.values.filter(\.registered).map { RegisteredDriver(key: $0.key, module: $0.module) }
        registeredByBus = Dictionary(grouping: registered, by: \.key.bus).mapValues { $0.sorted { $0.key < $1.key } }
    }

    /// What a bind needs to know of its driver's registration.
    struct CountedBind {
        var registered: Bool
        var removedAt: EventRef?
        var module: String?
    }

    /// Counts a bind by the driver against its registration (a bind is a per-event path): a known driver
    /// in place, found by index, where `drivers[key, default:]` copied the key for a default it did not
    /// use; and only what a bind needs is returned, where the whole state's copy retained its Strings.
    mutating func countBind(_ key: DriverKey) -> CountedBind {
        if let index = drivers.index(forKey: key) { return Self.countBind(&drivers.values[index]) }
        // A driver first seen here is not registered: the bus index does not change.
        var state = DriverState(key: key, module: nil, registered: false)
        let counted = Self.countBind(&state)
        drivers[key] = state
        return counted
    }

    private static func countBind(_ state: inout DriverState) -> CountedBind {
        if state.registered {
            state.bindsAfterAdd += 1
        } else {
            state.bindsBeforeAdd += 1
        }
        return CountedBind(registered: state.registered, removedAt: state.removedAt, module: state.module)
    }

    /// Any driver with this name on this bus, registered or not (a bind names only the driver).
    public func key(bus: String?, name: String) -> DriverKey {
        DriverKey(bus: bus ?? "?", name: name)
    }

    public mutating func register(_ key: DriverKey, at ref: EventRef, module: String?) {
        var state = drivers[key] ?? DriverState(key: key, module: nil, registered: false)
        let wasRegistering = !state.registered && state.bindsBeforeAdd > 0
        state.registered = true
        state.registeredAt = ref
        state.removedAt = nil
        if !wasRegistering { state.bindsBeforeAdd = 0 }
        state.bindsAfterAdd = 0
        state.module = state.module ?? module
        drivers[key] = state
        registeredByBus = nil
        if state.module == nil { unlinkedSinceModuleEvent.append(key) }
    }

    public mutating func unregister(_ key: DriverKey, at ref: EventRef) {
        var state = drivers[key] ?? DriverState(key: key, module: nil, registered: false)
        state.registered = false
        state.removedAt = ref
        state.bindsBeforeAdd = 0
        drivers[key] = state
        registeredByBus = nil
    }

    /// Since Linux 5.11 a module's `add` is sent after its init returns, that is after the `add` of every
    /// driver it registered; so drivers registered since the previous module uevent belong to this one.
    public mutating func moduleAdded(_ module: String) {
        for key in unlinkedSinceModuleEvent where drivers[key]?.module == nil {
            drivers[key]?.module = module
            registeredByBus = nil
        }
        unlinkedSinceModuleEvent.removeAll()
    }

    public mutating func moduleEventSeen() {
        unlinkedSinceModuleEvent.removeAll()
    }

    /// Registered drivers that belong to `module` (by link, or by name when unlinked).
    public func drivers(ofModule module: String) -> [DriverKey] {
        let wanted = normalizedModuleName(module)
        return drivers.values.filter { state in
            guard state.registered else { return false }
            return normalizedModuleName(state.module ?? state.key.name) == wanted
        }.map(\.key).sorted()
    }
}

extension DriverRegistry {
    /// A driver found registered in sysfs, with no `add` seen in this run.
    public mutating func adopt(_ key: DriverKey, module: String?) {
        var state = drivers[key] ?? DriverState(key: key, module: module, registered: true)
        state.registered = true
        state.module = module ?? state.module
        state.removedAt = nil
        state.bindsBeforeAdd = 0
        drivers[key] = state
        registeredByBus = nil
    }
}
