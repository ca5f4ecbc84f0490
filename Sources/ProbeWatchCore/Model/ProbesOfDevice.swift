/// The probes pending on one device, in driver order. Nearly always one, so the first is kept inline and
/// starting a probe allocates nothing; a device that matches several drivers keeps the others in `rest`.
struct ProbesOfDevice: Sendable {
    private(set) var first: PendingProbe
    /// Sorted by driver, each after `first`'s.
    private var rest: [PendingProbe] = []

    init(_ probe: PendingProbe) {
        first = probe
    }

    var count: Int { 1 + rest.count }
    var all: [PendingProbe] { [first] + rest }

    func probe(by driver: DriverKey) -> PendingProbe? {
        first.driver == driver ? first : rest.first { $0.driver == driver }
    }

    /// What the bound driver's probe tells its completion record. Read in place: a copy of the probe
    /// retained its four Strings.
    func start(of driver: DriverKey) -> ProbeStart? {
        if first.driver == driver { return ProbeStart(first) }
        return rest.first { $0.driver == driver }.map(ProbeStart.init)
    }

    /// The drivers whose probes a bind by `driver` makes moot, in driver order; no array for a lone probe.
    func drivers(besides driver: DriverKey) -> [String] {
        if rest.isEmpty { return first.driver == driver ? [] : [first.driver.name] }
        return all.filter { $0.driver != driver }.map(\.driver.name)
    }

    /// Adds the probe, or replaces the one of the same driver; says whether it was added.
    mutating func put(_ probe: PendingProbe) -> Bool {
        if probe.driver == first.driver {
            first = probe
            return false
        }
        if probe.driver < first.driver {
            rest.insert(first, at: 0)
            first = probe
            return true
        }
        if let index = rest.firstIndex(where: { $0.driver == probe.driver }) {
            rest[index] = probe
            return false
        }
        rest.insert(probe, at: rest.firstIndex { probe.driver < $0.driver } ?? rest.endIndex)
        return true
    }

    /// Removes the driver's probe; the caller removes the whole value instead when it is the only one.
    mutating func remove(_ driver: DriverKey) {
        if first.driver == driver, !rest.isEmpty {
            first = rest.removeFirst()
        } else {
            rest.removeAll { $0.driver == driver }
        }
    }

    mutating func update(_ driver: DriverKey, _ body: (inout PendingProbe) -> Void) {
        if first.driver == driver { return body(&first) }
        if let index = rest.firstIndex(where: { $0.driver == driver }) { body(&rest[index]) }
    }

    mutating func rename(to devpath: String) {
        first.devpath = devpath
        for index in rest.indices { rest[index].devpath = devpath }
    }
}

/// How a probe began, and the module it was started for.
struct ProbeStart {
    var trigger: ProbeTrigger
    var started: EventRef
    var module: String?

    init(_ probe: PendingProbe) {
        (trigger, started, module) = (probe.trigger, probe.started, probe.module)
    }
}
