import Foundation
import Testing
@testable import ProbeWatchCore

@Suite("Journal entries: fields, policy, message ids and the rate limit")
struct JournalEntryTests {
    static let finding = Finding(
        kind: .driverRemovedBeforeBind, devpath: "/devices/pwtest/dev1", driver: "pwtest_async", bus: "pwtest",
        module: "pwtest_async", seqnums: [102, 103], windowUsec: 1_000, message: "driver went away",
        severity: .warning, realtimeUsec: nil)

    @Test func aFindingCarriesEveryStructuredField() throws {
        let entry = try #require(JournalEntry.from(.race(Self.finding), policy: JournalPolicy(), json: { "{}" }))
        #expect(entry["MESSAGE"] == "driver-removed-before-bind: driver went away")
        #expect(entry["PRIORITY"] == "4")
        #expect(entry["SYSLOG_IDENTIFIER"] == "probewatch")
        #expect(entry["MESSAGE_ID"] == MessageIDs.race(.driverRemovedBeforeBind))
        #expect(entry["PROBEWATCH_KIND"] == "driver-removed-before-bind")
        #expect(entry["DEVPATH"] == "/devices/pwtest/dev1")
        #expect(entry["DRIVER"] == "pwtest_async")
        #expect(entry["SUBSYSTEM"] == "pwtest")
        #expect(entry["MODULE"] == "pwtest_async")
        #expect(entry["SEQNUM"] == "102")
        #expect(entry["PROBEWATCH_SEQNUMS"] == "102 103")
        #expect(entry["PROBEWATCH_WINDOW_USEC"] == "1000")
        #expect(entry["PROBEWATCH_JSON"] == "{}")
        #expect(entry.isFinding)
    }

    @Test func errorsAreErrAndAnUnknownDriverOrModuleIsLeftOut() throws {
        var finding = Self.finding
        finding.severity = .error
        finding.driver = ""
        finding.module = nil
        let entry = try #require(JournalEntry.from(.race(finding), policy: JournalPolicy(), json: { "{}" }))
        #expect(entry["PRIORITY"] == "3")
        #expect(entry["DRIVER"] == nil && entry["MODULE"] == nil)
    }

    @Test func lostEventsAreWarnings() throws {
        let lost = LostEvents(reason: "ENOBUFS", lostCount: 2, afterSeqnum: 77, realtimeUsec: nil)
        let entry = try #require(JournalEntry.from(.lost(lost), policy: JournalPolicy(), json: { "{}" }))
        #expect(entry["PRIORITY"] == "4" && entry["MESSAGE_ID"] == MessageIDs.lost)
        #expect(entry["PROBEWATCH_KIND"] == "lost" && entry["SEQNUM"] == "77" && entry.isFinding)
    }

    @Test func probesFollowThePolicyAndRawEventsStayOutByDefault() {
        let probe = ProbeCompletion(devpath: "/devices/pwtest/dev1", driver: "pwtest_async", bus: "pwtest",
                                    module: nil, mode: .async, latencyUsec: 5, seqnums: [1, 2], realtimeUsec: nil)
        let debug = JournalEntry.from(.probe(probe), policy: JournalPolicy(probePriority: .debug), json: { "" })
        #expect(debug?["PRIORITY"] == "7" && debug?["PROBEWATCH_MODE"] == "async")
        #expect(JournalEntry.from(.probe(probe), policy: JournalPolicy(probePriority: nil), json: { "" }) == nil)
        let event = UEvent(action: .add, devpath: "/devices/x", received: EventTime(realtimeUsec: nil, monotonicUsec: 0))
        #expect(JournalEntry.from(.event(event, invalid: nil), policy: JournalPolicy(), json: { "" }) == nil)
        #expect(JournalEntry.from(.event(event, invalid: nil), policy: JournalPolicy(events: true), json: { "" }) != nil)
        #expect(JournalEntry.from(.event(event, invalid: "bad"), policy: JournalPolicy(), json: { "" })?["PRIORITY"] == "5")
    }

    @Test func admissionAgreesWithTheEntryWithoutBuildingIt() {
        let probe = ProbeCompletion(devpath: "/devices/pwtest/dev1", driver: "pwtest_async", bus: "pwtest",
                                    module: nil, mode: .async, latencyUsec: 5, seqnums: [1, 2], realtimeUsec: nil)
        let event = UEvent(action: .add, devpath: "/devices/x", received: EventTime(realtimeUsec: nil, monotonicUsec: 0))
        let records: [Record] = [
            .race(Self.finding), .probe(probe), .event(event, invalid: nil), .event(event, invalid: "bad"),
            .lost(LostEvents(reason: "ENOBUFS", lostCount: 1, afterSeqnum: nil, realtimeUsec: nil)),
            .snapshot(SnapshotSummary(reason: .startup, devices: 1, bound: 1, unboundWithModule: 0, drivers: 1, realtimeUsec: nil)),
            .snapshot(SnapshotSummary(reason: .resync, devices: 1, bound: 1, unboundWithModule: 0, drivers: 1, realtimeUsec: nil)),
            .summary(RunSummary()),
        ]
        let policies = [JournalPolicy(), JournalPolicy(probePriority: nil), JournalPolicy(events: true)]
        for record in records {
            for policy in policies {
                let entry = JournalEntry.from(record, policy: policy, json: { "" })
                let admission = JournalEntry.admission(of: record, policy: policy)
                #expect(admission?.isFinding == entry?.isFinding, "\(record)")
                #expect(admission?.isLifecycle == entry?.isLifecycle, "\(record)")
            }
        }
    }

    @Test func theCatalogExplainsEveryMessageID() throws {
        let catalog = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("systemd/probewatch.catalog")
        let text = try String(contentsOf: catalog, encoding: .utf8)
        let ids = text.split(separator: "\n").filter { $0.hasPrefix("-- ") }.map { String($0.dropFirst(3)) }
        #expect(ids.sorted() == MessageIDs.all.sorted())
        #expect(Set(MessageIDs.all).count == MessageIDs.all.count)
    }
}

@Suite("Journal rate limit")
struct JournalRateLimiterTests {
    @Test func overTheBurstEntriesAreHeldBackAndCountedOnce() {
        var limiter = JournalRateLimiter(intervalUsec: 1_000, burst: 2)
        let admitted = (0..<5).map { limiter.admit(isFinding: true, nowUsec: 100 + Int64($0)) }
        #expect(admitted == [true, true, false, false, false])
        let probe = limiter.admit(isFinding: false, nowUsec: 105)  // probes have a burst of their own
        #expect(probe)
        #expect(limiter.nextDeadlineUsec == 1_100)
        let early = limiter.takeSummary(nowUsec: 500)  // the interval is not over
        let due = limiter.takeSummary(nowUsec: 1_100)
        let again = limiter.takeSummary(nowUsec: 1_200)  // once
        #expect(early == nil)
        #expect(due == .init(entries: 3, findings: 3))
        #expect(again == nil)
        let inNewInterval = limiter.admit(isFinding: true, nowUsec: 1_200)
        #expect(inNewInterval)
    }

    @Test func shutdownForcesTheSummaryAndAQuietLimiterHasNoDeadline() {
        var limiter = JournalRateLimiter(intervalUsec: 1_000, burst: 1)
        #expect(limiter.nextDeadlineUsec == nil)
        _ = limiter.admit(isFinding: true, nowUsec: 0)
        #expect(limiter.nextDeadlineUsec == nil)
        _ = limiter.admit(isFinding: true, nowUsec: 1)
        let forced = limiter.takeSummary(nowUsec: 2, force: true)
        #expect(forced == .init(entries: 1, findings: 1))
    }
}
