import Testing
@testable import ProbeWatchCore

@Suite("SEQNUM ordering before the rules")
struct OrderingTests {
    func event(_ seqnum: UInt64, at usec: Int64) -> UEvent {
        UEvent(action: .change, devpath: "/devices/x", subsystem: "x", seqnum: seqnum,
               received: EventTime(realtimeUsec: nil, monotonicUsec: usec))
    }

    @Test func inOrderEventsPassStraightThrough() {
        var buffer = SeqnumReorderBuffer(windowUsec: 20_000)
        var out: [UInt64] = []
        buffer.insert(event(10, at: 0)) { out.append($0.seqnum!) }
        buffer.releaseExpired(nowMonotonicUsec: 20_000) { out.append($0.seqnum!) }
        buffer.insert(event(11, at: 20_001)) { out.append($0.seqnum!) }
        buffer.insert(event(12, at: 20_002)) { out.append($0.seqnum!) }
        #expect(out == [10, 11, 12])
        #expect(buffer.isEmpty)
    }

    @Test func outOfOrderDeliveryIsSortedWithinTheWindow() {
        var buffer = SeqnumReorderBuffer(windowUsec: 20_000)
        var out: [UInt64] = []
        buffer.insert(event(10, at: 0)) { out.append($0.seqnum!) }
        buffer.releaseExpired(nowMonotonicUsec: 20_000) { out.append($0.seqnum!) }
        buffer.insert(event(13, at: 20_010)) { out.append($0.seqnum!) }
        buffer.insert(event(12, at: 20_011)) { out.append($0.seqnum!) }
        #expect(out == [10])
        buffer.insert(event(11, at: 20_012)) { out.append($0.seqnum!) }
        #expect(out == [10, 11, 12, 13])
        #expect(buffer.gapCount == 0)
    }

    @Test func aGapIsWaitedForOnlyUntilTheWindowEnds() {
        var buffer = SeqnumReorderBuffer(windowUsec: 20_000)
        var out: [UInt64] = []
        buffer.insert(event(10, at: 0)) { out.append($0.seqnum!) }
        buffer.releaseExpired(nowMonotonicUsec: 20_000) { out.append($0.seqnum!) }
        buffer.insert(event(15, at: 30_000)) { out.append($0.seqnum!) }
        #expect(buffer.nextDeadlineUsec == 50_000)
        buffer.releaseExpired(nowMonotonicUsec: 49_999) { out.append($0.seqnum!) }
        #expect(out == [10])
        buffer.releaseExpired(nowMonotonicUsec: 50_000) { out.append($0.seqnum!) }
        #expect(out == [10, 15])
        #expect(buffer.gapCount == 1)
    }

    @Test func lateEventsAreCountedAndStillDelivered() {
        var buffer = SeqnumReorderBuffer(windowUsec: 0)
        var out: [UInt64] = []
        buffer.insert(event(20, at: 0)) { out.append($0.seqnum!) }
        buffer.insert(event(19, at: 1)) { out.append($0.seqnum!) }
        #expect(out == [20, 19])
        #expect(buffer.lateCount == 1)
    }

    @Test func pipelineFindsTheSameRacesWhateverTheDeliveryOrder() {
        var scenario = Scenario()
        scenario.addDevice("dev1")
        scenario.addDriver()
        scenario.removeDriver()
        scenario.bind("dev1")
        var shuffled = scenario.events
        shuffled.swapAt(1, 2)
        shuffled.swapAt(0, 3)
        func kinds(_ events: [UEvent]) -> [FindingKind] {
            var pipeline = EventPipeline(tracker: Scenario.tracker(), reorderWindowUsec: 1_000_000)
            var records: [Record] = []
            for event in events { pipeline.ingest(event) { records.append($0) } }
            pipeline.finish(at: EventTime(realtimeUsec: nil, monotonicUsec: 0)) { records.append($0) }
            return records.kinds
        }
        #expect(kinds(scenario.events) == [.driverRemovedBeforeBind, .bindAfterDriverRemoved])
        #expect(kinds(shuffled) == kinds(scenario.events))
    }

    @Test func invalidEventsAreRecordedButKeptOutOfTheModel() {
        var pipeline = EventPipeline(tracker: Scenario.tracker(), reorderWindowUsec: 0)
        var records: [Record] = []
        let bad = UEvent(action: .add, devpath: "/devices/../../etc", subsystem: "x", seqnum: 1,
                         received: EventTime(realtimeUsec: nil, monotonicUsec: 0))
        pipeline.ingest(bad) { records.append($0) }
        #expect(records == [.event(bad, invalid: UEventValidation.Problem.dotSegment.rawValue)])
        #expect(pipeline.summary.malformed == 1)
        #expect(pipeline.tracker.devices.isEmpty)
    }
}
