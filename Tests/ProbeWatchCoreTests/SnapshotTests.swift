import Testing
@testable import ProbeWatchCore

@Suite("Snapshots: startup knowledge and reconciliation after lost events")
struct SnapshotTests {
    static let time = EventTime(realtimeUsec: 1, monotonicUsec: 1)

    static let snapshot = SystemSnapshot(
        devices: [
            .init(devpath: "/devices/pwtest/bound", subsystem: "pwtest", driver: "pwtest_async", modalias: "pwtest:v0001d0001"),
            .init(devpath: "/devices/pwtest/idle", subsystem: "pwtest", driver: nil, modalias: "pwtest:v0001d0002"),
            .init(devpath: "/devices/virtual/foo", subsystem: "misc", driver: nil, modalias: nil),
        ],
        drivers: [.init(key: DriverKey(bus: "pwtest", name: "pwtest_async"), module: "pwtest_async")])

    @Test func summaryCountsUnboundDevicesWithAModule() {
        var tracker = Scenario.tracker()
        let summary = tracker.load(Self.snapshot, at: Self.time)
        #expect(summary.devices == 3)
        #expect(summary.bound == 1)
        #expect(summary.unboundWithModule == 1)
        #expect(summary.drivers == 1)
    }

    @Test func snapshotStateDrivesDoubleBindAndUnbindRules() {
        var tracker = Scenario.tracker()
        _ = tracker.load(Self.snapshot, at: Self.time)
        var scenario = Scenario()
        scenario.bind("bound")
        scenario.unbind("idle")
        #expect(scenario.run(&tracker).kinds == [.doubleBind, .unbindWithoutBind])
    }

    @Test func reconcileAfterLossReportsNoRace() {
        var tracker = Scenario.tracker()
        _ = tracker.load(Self.snapshot, at: Self.time)
        var scenario = Scenario()
        scenario.addDevice("fresh")  // pending probe by the registered driver
        _ = scenario.run(&tracker, finish: false)
        #expect(tracker.pending.count == 1)
        var after = Self.snapshot
        after.devices[1].driver = "pwtest_async"  // bound while events were lost
        after.devices.append(.init(devpath: "/devices/pwtest/fresh", subsystem: "pwtest", driver: "pwtest_async",
                                   modalias: "pwtest:v0001d0001"))
        let summary = tracker.reconcile(with: after, at: Self.time)
        #expect(summary.reason == .resync)
        #expect(tracker.pending.count == 0)
        #expect(tracker.devices["/devices/pwtest/idle"]?.bindState == .bound(driver: "pwtest_async"))
        #expect(tracker.devices["/devices/pwtest/idle"]?.entries.last?.note?.contains("without a seen bind") == true)
        var later = Scenario(seqnum: 500)
        later.unbind("idle")
        #expect(later.run(&tracker).findings.isEmpty)
    }

    @Test func reconcileForgetsDriversGoneFromSysfsWithoutARace() {
        var tracker = Scenario.tracker()
        _ = tracker.load(Self.snapshot, at: Self.time)
        var scenario = Scenario()
        scenario.addDevice("fresh")
        var records = scenario.run(&tracker, finish: false)
        _ = tracker.reconcile(with: SystemSnapshot(devices: Self.snapshot.devices, drivers: []), at: Self.time)
        tracker.finish { records.append($0) }
        #expect(records.findings.isEmpty)
        #expect(tracker.registry[DriverKey(bus: "pwtest", name: "pwtest_async")]?.registered == false)
    }
}
