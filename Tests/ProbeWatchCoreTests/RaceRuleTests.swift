import Testing
@testable import ProbeWatchCore

@Suite("Race rules: each finding kind from the ordering that should produce it")
struct RaceRuleTests {
    @Test func driverRemovedWhileProbePending() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDriver()
        scenario.removeDriver()
        let findings = scenario.run().findings
        #expect(findings.map(\.kind) == [.driverRemovedBeforeBind])
        let finding = findings[0]
        #expect(finding.devpath == "/devices/pwtest/dev1")
        #expect(finding.driver == "pwtest_async")
        #expect(finding.bus == "pwtest")
        #expect(finding.module == "pwtest_async")
        #expect(finding.seqnums == [102, 103])
        #expect(finding.windowUsec == 1_000)
        #expect(finding.severity == .warning)
    }

    /// A device bound and unbound, its driver removed, then a bind naming that driver.
    static func bindAfterRemoval() -> Scenario {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.unbind("dev1")
        scenario.removeDriver()
        scenario.bind("dev1")
        return scenario
    }

    @Test func bindAfterDriverRemovedIsAnError() {
        let scenario = Self.bindAfterRemoval()
        let findings = scenario.run().findings
        #expect(findings.map(\.kind) == [.bindAfterDriverRemoved])
        #expect(findings.first?.seqnums == [105, 106])
        #expect(findings.first?.severity == .error)
    }

    @Test func bindAfterRemovalIsReportedOnceTheTimeoutPassesWithoutReRegistration() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.unbind("dev1")
        scenario.removeDriver()
        scenario.bind("dev1")
        scenario.wait(usec: 2_000_000)
        scenario.addDevice("other", modalias: nil)
        var tracker = Scenario.tracker(timeoutUsec: 1_000_000)
        #expect(scenario.run(&tracker, finish: false).kinds == [.bindAfterDriverRemoved])
    }

    @Test func synchronousReRegistrationBindsBeforeItsAddAndIsNoRace() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.unbind("dev1")
        scenario.removeDriver()
        scenario.removeModule()
        scenario.bind("dev1")  // driver_register() -> driver_attach() binds first ...
        scenario.addDriver()  // ... then sends KOBJ_ADD
        scenario.addModule()
        let records = scenario.run()
        #expect(records.findings.isEmpty)
    }

    /// Probes that stall at the same check are reported oldest first, whatever the hash order of their
    /// devices: the same input gives the same log.
    @Test func probesStallingTogetherAreReportedOldestFirst() {
        var scenario = Scenario()
        scenario.addDriver()
        for name in ["zeta", "alpha", "mu", "beta", "omega", "kappa"] { scenario.addDevice(name) }
        scenario.wait(usec: 60_000_000)
        scenario.addDevice("late")  // its time runs the stall check
        let stalled = scenario.run().findings.filter { $0.kind == .probeStalled }.map(\.devpath)
        #expect(stalled == ["zeta", "alpha", "mu", "beta", "omega", "kappa"].map { "/devices/pwtest/\($0)" })
    }

    @Test func deviceRemovedWhileProbePending() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.removeDevice("dev1")
        let findings = scenario.run().findings
        #expect(findings.map(\.kind) == [.deviceRemovedBeforeBind])
        #expect(findings.first?.seqnums == [102, 103])
    }

    @Test func doubleBindWithoutUnbind() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        scenario.bind("dev1")
        scenario.bind("dev1")
        let findings = scenario.run().findings
        #expect(findings.map(\.kind) == [.doubleBind])
        #expect(findings.first?.seqnums == [103, 104])
    }

    @Test func unbindOfAKnownUnboundDevice() {
        var scenario = Scenario()
        scenario.addDevice("dev9", modalias: "pwtest:v9999")
        scenario.unbind("dev9")
        let findings = scenario.run().findings
        #expect(findings.map(\.kind) == [.unbindWithoutBind])
        #expect(findings.first?.seqnums == [101, 102])
    }

    @Test func unbindOfADeviceOfUnknownStateIsNoRace() {
        var scenario = Scenario()
        scenario.unbind("predates-the-run")
        #expect(scenario.run().findings.isEmpty)
    }

    @Test func probeStalledOnceAfterTheTimeout() {
        var scenario = Scenario()
        scenario.addDriver()
        scenario.addDevice("dev1")
        var tracker = Scenario.tracker(timeoutUsec: 1_000_000)
        var records = scenario.run(&tracker, finish: false)
        #expect(records.findings.isEmpty)
        #expect(tracker.nextDeadlineUsec == scenario.monotonicUsec + 1_000_000)
        tracker.advance(toMonotonicUsec: scenario.monotonicUsec + 999_999, realtimeUsec: nil) { records.append($0) }
        #expect(records.findings.isEmpty)
        tracker.advance(toMonotonicUsec: scenario.monotonicUsec + 1_000_000, realtimeUsec: nil) { records.append($0) }
        tracker.advance(toMonotonicUsec: scenario.monotonicUsec + 5_000_000, realtimeUsec: nil) { records.append($0) }
        #expect(records.kinds == [.probeStalled])
        #expect(records.findings.first?.windowUsec == 1_000_000)
    }
}

@Suite("The end of a run")
struct EndOfRunTests {
    /// A synchronous re-registration binds before its driver's `add`: a daemon stopping between the two
    /// must not call the bind a race, while a recording that ends there reports it.
    @Test func onlyAnEndedRecordingReportsAnUnresolvedBindAfterRemoval() {
        let scenario = RaceRuleTests.bindAfterRemoval()
        for endOfInput in [false, true] {
            var tracker = Scenario.tracker()
            var records = scenario.run(&tracker, finish: false)
            tracker.finish(endOfInput: endOfInput) { records.append($0) }
            #expect(records.kinds == (endOfInput ? [.bindAfterDriverRemoved] : []))
        }
    }
}
