import Foundation
import Testing
@testable import ProbeWatchCore

private func fixture() throws -> [KmsgRecord] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/kmsg/probe-lines.txt")
    let text = try String(contentsOf: url, encoding: .utf8)
    return KmsgRecord.split(Substring(text)).records.compactMap(KmsgRecord.parse)
}

@Suite("Kernel log: /dev/kmsg records, probe lines, explained findings")
struct KernelLogTests {
    @Test func recordsAndTheirContinuationLinesParse() throws {
        let records = try fixture()
        #expect(records.count == 15)  // the line without a header is skipped
        #expect(records[0] == KmsgRecord(priority: 7, sequence: 2001, monotonicUsec: 1_000_100,
                                         text: "probe of 0000:00:14.0 returned 0 after 1234 usecs",
                                         subsystem: "pci", device: "+pci:0000:00:14.0"))
        #expect(records[0].deviceName == "0000:00:14.0")
        #expect(KmsgRecord.parse("7,x,1,-;text") == nil)
    }

    @Test func everyProbeMessageOfTheDriverCoreIsRecognised() throws {
        let evidence = try fixture().map { ProbeEvidence($0) }
        let kinds = evidence.map { $0.map { "\($0.kind) \($0.device) \($0.driver ?? "-")" } ?? "none" }
        #expect(kinds == [
            "returned(code: 0, usec: 1234) 0000:00:14.0 -",
            "failed(code: -12) dev1 pwtest_async",
            "failed(code: -5) dev2 pwtest_async",
            "rejected(code: -19) dev3 pwtest_async",
            "deferred(reason: nil) dev4 pwtest_async",
            "deferred(reason: Optional(\"waiting for supplier vin\")) regulator-x -",
            "deferred(reason: nil) regulator-y -",
            "probing foo.0 foo",
            "probing foo.1 foo",
            "asyncScheduled foo.2 -",
            "bound foo.3 foo",
            "bound foo.4 foo",
            "returned(code: -517, usec: 17) dev5 -",
            "none",
            "none",
        ])
        #expect(evidence[12]?.outcome == .deferred && evidence[1]?.outcome == .failed && evidence[0]?.outcome == nil)
        #expect(evidence[0]?.explainsNoBind == false && evidence[3]?.explainsNoBind == true)
    }

    @Test func aStreamSplitsIntoWholeRecords() {
        let (records, rest) = KmsgRecord.split("6,1,5,-;a\n SUBSYSTEM=x\n6,2,6,-;b\n6,3,7,-;c")
        #expect(records == ["6,1,5,-;a\n SUBSYSTEM=x", "6,2,6,-;b"])
        #expect(rest == "6,3,7,-;c")
    }

    /// The kernel log line of a failed probe turns the driver's removal into an explained `info` finding
    /// and gives the probe its `failed` outcome; the same ordering without it stays a warning.
    @Test func aLoggedFailureExplainsTheDriverRemovedBeforeBind() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDriver()
        var tracker = Scenario.tracker()
        var records: [Record] = []
        for event in scenario.events { tracker.process(event) { records.append($0) } }
        let failure = KmsgRecord(priority: 4, sequence: 1, monotonicUsec: scenario.monotonicUsec + 500,
                                 text: "pwtest_async: probe of dev1 failed with error -12")
        tracker.process(kernelLog: failure, at: EventTime(realtimeUsec: nil, monotonicUsec: failure.monotonicUsec)) {
            records.append($0)
        }
        scenario.removeDriver()
        tracker.process(scenario.events.last!) { records.append($0) }
        #expect(records.probes.map(\.outcome) == [.failed])
        #expect(records.probes.first?.error == -12 && records.probes.first?.mode == .async)
        #expect(records.findings.map(\.severity) == [.info])
        #expect(records.findings.first?.explanation == failure.text)
        #expect(tracker.devices["/devices/pwtest/dev1"]?.entries.contains { $0.note?.contains("kernel log") == true } == true)

        var unexplained = Scenario()
        unexplained.addDevice("dev1")
        unexplained.addDriver()
        unexplained.removeDriver()
        #expect(unexplained.run().findings.map(\.severity) == [.warning])
    }

    @Test func templatesMatchWholeLinesOnly() {
        let pattern = LinePattern("{driver}: probe of {device} failed with error {code}")
        #expect(pattern.match("drv: probe of d failed with error -5")?["device"] == "d")
        #expect(pattern.match("drv: probe of d failed with error -5 and more")?["code"] == "-5 and more")
        #expect(pattern.match("drv: probe of  failed with error -5") == nil)
        #expect(LinePattern("a {x} b").match("a  b") == nil)
    }

    /// debugfs' deferred list, read with the snapshot, explains a probe that then stalls.
    @Test func aDeviceTheSnapshotListsAsDeferredExplainsItsStall() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDriver()
        scenario.wait(usec: 2_000_000)
        scenario.event(.change, "/devices/pwtest/other", subsystem: "pwtest")  // time passes past the timeout
        var tracker = Scenario.tracker(timeoutUsec: 1_000_000)
        let snapshot = SystemSnapshot(
            devices: [.init(devpath: "/devices/pwtest/dev1", subsystem: "pwtest", driver: nil, modalias: "pwtest:v0001d0001")],
            drivers: [], deferred: [("dev1", "waiting for supplier")])
        _ = tracker.load(snapshot, at: EventTime(realtimeUsec: nil, monotonicUsec: scenario.events[0].received.monotonicUsec))
        let findings = scenario.run(&tracker).findings
        #expect(findings.map(\.kind) == [.probeStalled])
        #expect(findings.first?.severity == .info)
        #expect(findings.first?.explanation == "devices_deferred: dev1 waiting for supplier")
    }

    @Test func forgedTimestampsAndPositiveReturnCodesAreHandled() {
        #expect(KmsgRecord.parse("6,1,9223372036854775807,-;x") == nil)
        let record = KmsgRecord(priority: 7, sequence: 1, monotonicUsec: 1, text: "probe of d returned 517 after 3 usecs")
        #expect(ProbeEvidence(record)?.outcome == .deferred)  // 5.14+ prints really_probe()'s errors positive
    }

    /// The log line can come before the tracker sees the device's `add` (that uevent may wait for ordering):
    /// the device claims it when it arrives.
    @Test func aLineAboutADeviceNotSeenYetIsClaimedByItsAdd() {
        var scenario = Scenario()
        scenario.addDriver()
        var tracker = Scenario.tracker()
        var records = scenario.run(&tracker, finish: false)
        let failure = KmsgRecord(priority: 3, sequence: 1, monotonicUsec: scenario.monotonicUsec + 10,
                                 text: "pwtest_async: probe of dev1 failed with error -5")
        tracker.process(kernelLog: failure, at: EventTime(realtimeUsec: nil, monotonicUsec: failure.monotonicUsec)) {
            records.append($0)
        }
        scenario.addDevice("dev1")
        scenario.removeDriver()
        for event in scenario.events.suffix(2) { tracker.process(event) { records.append($0) } }
        #expect(records.probes.map(\.outcome) == [.failed])
        #expect(records.findings.map(\.severity) == [.info])
    }

    /// `probe of X returned N` names no driver: with two drivers pending for the device it explains neither.
    @Test func aLineNamingNoDriverExplainsOnlyALoneProbe() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDriver("pwtest_async")
        scenario.addDriver("pwtest-async")  // matches dev1 too: its name is the module's
        var tracker = Scenario.tracker()
        var records = scenario.run(&tracker, finish: false)
        tracker.process(kernelLog: KmsgRecord(priority: 7, sequence: 1, monotonicUsec: scenario.monotonicUsec,
                                              text: "probe of dev1 returned -5 after 3 usecs"),
                        at: EventTime(realtimeUsec: nil, monotonicUsec: scenario.monotonicUsec)) { records.append($0) }
        scenario.removeDriver("pwtest_async")
        tracker.process(scenario.events.last!) { records.append($0) }
        #expect(records.probes.isEmpty)
        #expect(records.findings.map(\.severity) == [.warning])
    }
}
