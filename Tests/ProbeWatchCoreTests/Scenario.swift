import ProbeWatchCore

/// Builds uevent streams the way the kernel numbers them: SEQNUM and time advance with every event.
struct Scenario {
    var seqnum: UInt64 = 100
    var monotonicUsec: Int64 = 1_000_000
    var stepUsec: Int64 = 1_000
    private(set) var events: [UEvent] = []

    static let bus = "pwtest"
    static let driverPath = "/bus/pwtest/drivers/pwtest_async"
    static let modules: [String: [String]] = ["pwtest:v0001d0001": ["pwtest_async"], "pwtest:v0001d0002": ["pwtest_async"]]

    static func tracker(timeoutUsec: Int64 = 30_000_000) -> ProbeTracker {
        var configuration = ProbeTracker.Configuration()
        configuration.probeTimeoutUsec = timeoutUsec
        configuration.modulesForModalias = { modules[$0] ?? [] }
        return ProbeTracker(configuration: configuration)
    }

    mutating func event(_ action: UEventAction, _ devpath: String, subsystem: String, driver: String? = nil,
                        modalias: String? = nil, extra: UEventProperties = [:]) {
        seqnum += 1
        monotonicUsec += stepUsec
        var properties = extra
        properties["ACTION"] = action.rawValue
        properties["DEVPATH"] = devpath
        properties["SUBSYSTEM"] = subsystem
        properties["SEQNUM"] = String(seqnum)
        if let driver { properties["DRIVER"] = driver }
        if let modalias { properties["MODALIAS"] = modalias }
        events.append(UEvent(
            action: action, devpath: devpath, subsystem: subsystem, driver: driver, seqnum: seqnum,
            properties: properties,
            received: EventTime(realtimeUsec: 1_700_000_000_000_000 + monotonicUsec, monotonicUsec: monotonicUsec)))
    }

    mutating func addDevice(_ name: String, modalias: String? = "pwtest:v0001d0001") {
        event(.add, "/devices/pwtest/\(name)", subsystem: Self.bus, modalias: modalias)
    }
    mutating func removeDevice(_ name: String) { event(.remove, "/devices/pwtest/\(name)", subsystem: Self.bus) }
    mutating func bind(_ name: String, driver: String = "pwtest_async") {
        event(.bind, "/devices/pwtest/\(name)", subsystem: Self.bus, driver: driver)
    }
    /// The kernel clears dev->driver before sending `unbind`: no DRIVER=, no MODALIAS=.
    mutating func unbind(_ name: String) { event(.unbind, "/devices/pwtest/\(name)", subsystem: Self.bus) }
    mutating func addDriver(_ name: String = "pwtest_async") {
        event(.add, "/bus/pwtest/drivers/\(name)", subsystem: "drivers")
    }
    mutating func removeDriver(_ name: String = "pwtest_async") {
        event(.remove, "/bus/pwtest/drivers/\(name)", subsystem: "drivers")
    }
    mutating func addModule(_ name: String = "pwtest_async") { event(.add, "/module/\(name)", subsystem: "module") }
    mutating func removeModule(_ name: String = "pwtest_async") {
        event(.remove, "/module/\(name)", subsystem: "module")
    }
    mutating func wait(usec: Int64) { monotonicUsec += usec }

    /// Runs the events through a tracker and returns every record it emitted (findings and probes).
    func run(_ tracker: inout ProbeTracker, finish: Bool = true) -> [Record] {
        var records: [Record] = []
        for event in events { tracker.process(event) { records.append($0) } }
        if finish { tracker.finish { records.append($0) } }
        return records
    }

    func run(timeoutUsec: Int64 = 30_000_000) -> [Record] {
        var tracker = Self.tracker(timeoutUsec: timeoutUsec)
        return run(&tracker)
    }
}

extension Array where Element == Record {
    var findings: [Finding] {
        compactMap { if case .race(let finding) = $0 { finding } else { nil } }
    }
    var probes: [ProbeCompletion] {
        compactMap { if case .probe(let probe) = $0 { probe } else { nil } }
    }
    var kinds: [FindingKind] { findings.map(\.kind) }
}
