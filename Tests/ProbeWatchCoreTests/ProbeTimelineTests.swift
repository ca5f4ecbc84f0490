import Testing
@testable import ProbeWatchCore

@Suite("Probe tracking: benign orderings, modes and latencies")
struct ProbeTimelineTests {
    @Test func asyncProbeAfterDriverAddIsBenign() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDevice("dev2", modalias: "pwtest:v0001d0002")
        scenario.addDriver()
        scenario.addModule()
        scenario.bind("dev1")
        scenario.bind("dev2")
        let records = scenario.run()
        #expect(records.findings.isEmpty)
        #expect(records.probes.map(\.mode) == [.async, .async])
        #expect(records.probes.map(\.latencyUsec) == [2_000, 3_000])
        #expect(records.probes.first?.seqnums == [103, 105])
    }

    @Test func reRegistrationIsBenign() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.unbind("dev1")
        scenario.removeDriver()
        scenario.removeModule()
        scenario.addDriver()
        scenario.addModule()
        scenario.bind("dev1")
        let records = scenario.run()
        #expect(records.findings.isEmpty)
        #expect(records.probes.map(\.mode) == [.deviceAdd, .async])
    }

    @Test func bindsBeforeTheDriversAddAreSynchronousAndStartNoProbes() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDevice("dev2", modalias: "pwtest:v0001d0002")
        scenario.bind("dev1")
        scenario.addDriver()  // dev2 did not bind during driver_attach(): its probe failed, it is not pending
        scenario.removeDriver()
        let records = scenario.run()
        #expect(records.probes.map(\.mode) == [.sync])
        #expect(records.probes.first?.latencyUsec == nil)
        #expect(records.findings.isEmpty)
    }

    @Test func unbindStartsNoProbe() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.unbind("dev1")
        scenario.removeDriver()
        #expect(scenario.run().findings.isEmpty)
    }

    @Test func unbindTakesTheDriverFromTheEarlierBind() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.unbind("dev1")
        var tracker = Scenario.tracker()
        _ = scenario.run(&tracker)
        #expect(tracker.devices["/devices/pwtest/dev1"]?.entries.last?.driver == "pwtest_async")
        #expect(tracker.devices["/devices/pwtest/dev1"]?.bindState == .unbound)
    }

    @Test func matchByDriverNameWhenNoAliasResolves() {
        var scenario = Scenario()
        scenario.addDevice("dev1", modalias: "unknown:alias")
        scenario.event(.add, "/bus/pwtest/drivers/pw-test", subsystem: "drivers")
        scenario.event(.remove, "/bus/pwtest/drivers/pw-test", subsystem: "drivers")
        var configuration = ProbeTracker.Configuration()
        configuration.modulesForModalias = { $0 == "unknown:alias" ? ["pw_test"] : [] }
        var tracker = ProbeTracker(configuration: configuration)
        #expect(scenario.run(&tracker).kinds == [.driverRemovedBeforeBind])
    }

    @Test func moduleAddAfterDriversLinksThem() {
        var scenario = Scenario()
        scenario.addDevice("dev1", modalias: "other:alias")
        scenario.event(.add, "/bus/pwtest/drivers/pwdrv", subsystem: "drivers")
        scenario.addModule("pwmod")
        var configuration = ProbeTracker.Configuration()
        configuration.modulesForModalias = { _ in [] }
        var tracker = ProbeTracker(configuration: configuration)
        _ = scenario.run(&tracker)
        #expect(tracker.registry[DriverKey(bus: "pwtest", name: "pwdrv")]?.module == "pwmod")
    }

    @Test func moduleRemovalEndsPendingProbesOfDriversWithoutASeenRemove() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDriver()
        scenario.addModule()
        scenario.removeModule()
        #expect(scenario.run().kinds == [.driverRemovedBeforeBind])
    }

    @Test func moveCarriesThePendingProbeToTheNewPath() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.event(.move, "/devices/pwtest/renamed", subsystem: Scenario.bus,
                       extra: ["DEVPATH_OLD": "/devices/pwtest/dev1"])
        scenario.event(.bind, "/devices/pwtest/renamed", subsystem: Scenario.bus, driver: "pwtest_async")
        let records = scenario.run()
        #expect(records.findings.isEmpty)
        #expect(records.probes.map(\.devpath) == ["/devices/pwtest/renamed"])
        #expect(records.probes.map(\.mode) == [.deviceAdd])
    }

    @Test func timelineIsBounded() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        for _ in 0..<100 { scenario.event(.change, "/devices/pwtest/dev1", subsystem: Scenario.bus) }
        var configuration = ProbeTracker.Configuration()
        configuration.timelineLimit = 10
        var tracker = ProbeTracker(configuration: configuration)
        _ = scenario.run(&tracker)
        #expect(tracker.devices["/devices/pwtest/dev1"]?.entries.count == 10)
        #expect(tracker.devices["/devices/pwtest/dev1"]?.entries.last?.seqnum == 201)
    }

    /// The timeline keeps the newest `limit` entries in order and counts the dropped ones, whatever the
    /// limit (it grows by doubling, and drops before it appends).
    @Test(arguments: [0, 1, 2, 3, 10, 64])
    func aTimelineKeepsItsNewestEntries(limit: Int) {
        var state = DeviceState(devpath: "/devices/pwtest/dev1", subsystem: Scenario.bus, modalias: nil)
        let time = EventTime(realtimeUsec: nil, monotonicUsec: 0)
        for seqnum in 1...200 as ClosedRange<UInt64> {
            state.record(TimelineEntry(seqnum: seqnum, action: .change, driver: nil, time: time, note: nil), limit: limit)
        }
        #expect(state.entries.map(\.seqnum) == (201 - UInt64(limit)..<201).map { $0 })
        #expect(state.droppedEntries == 200 - limit)
    }

    @Test func removedDevicesAgeOut() {
        var scenario = Scenario()
        for index in 0..<50 {
            scenario.addDevice("d\(index)")
            scenario.removeDevice("d\(index)")
        }
        var configuration = ProbeTracker.Configuration()
        configuration.removedDeviceLimit = 5
        var tracker = ProbeTracker(configuration: configuration)
        _ = scenario.run(&tracker)
        #expect(tracker.devices.count <= 10)
        #expect(tracker.devices["/devices/pwtest/d49"] != nil)
    }
}

@Suite("Ageing out removed devices")
struct RemovedDeviceAgeingTests {
    @Test func aDeviceRemovedAgainIsNotForgottenForItsOlderRemovals() {
        var scenario = Scenario()
        scenario.addDriver()
        for _ in 0..<30 {
            for index in 0..<4 {
                scenario.addDevice("d\(index)", modalias: "no:module")  // only the earlier bind matches
                scenario.bind("d\(index)")
                scenario.unbind("d\(index)")
                scenario.removeDevice("d\(index)")
            }
        }
        var configuration = ProbeTracker.Configuration()
        configuration.removedDeviceLimit = 5
        configuration.modulesForModalias = { Scenario.modules[$0] ?? [] }
        var tracker = ProbeTracker(configuration: configuration)
        let records = scenario.run(&tracker)
        #expect(tracker.devices.count == 4)
        // Only each device's very first bind is unexplained; later ones were pending since the add.
        #expect(records.probes.filter { $0.mode == .unknown }.count == 4)
        #expect(records.probes.filter { $0.mode == .deviceAdd }.count == 116)
        #expect(records.findings.isEmpty)
    }
}
