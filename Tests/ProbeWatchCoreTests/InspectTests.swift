import Testing
@testable import ProbeWatchCore

/// Records of a real ordering: events through the tracker, then the events and what it emitted, in order.
private func log(_ build: (inout Scenario) -> Void) -> [Record] {
    var scenario = Scenario()
    build(&scenario)
    var tracker = Scenario.tracker()
    var records: [Record] = []
    for event in scenario.events {
        records.append(.event(event, invalid: nil))
        tracker.process(event) { records.append($0) }
    }
    tracker.finish { records.append($0) }
    return records
}

private let asyncThenRace = log { scenario in
    scenario.addDevice("dev1")
    scenario.addDevice("dev2")
    scenario.addDriver()
    scenario.bind("dev1")
    scenario.removeDriver()
}

@Suite("Inspection: timelines, driver windows, race tables")
struct InspectTests {
    @Test func aDeviceTimelineNotesPendingProbesBindsAndFindingsOnTheirSeqnums() {
        let view = DeviceView(devpath: "/devices/pwtest/dev1", index: InspectionIndex(asyncThenRace))
        #expect(view.rows.map(\.seqnum) == [101, 103, 104])
        #expect(view.rows.map(\.what) == ["add", "driver pwtest_async add", "bind"])
        #expect(view.rows[1].notes == ["probe pending by pwtest_async"])
        #expect(view.rows[2].notes == ["async bind 1.0 ms after the driver registered"])
        #expect(view.rows.map(\.offsetUsec) == [0, 2_000, 3_000])
        let raced = DeviceView(devpath: "/devices/pwtest/dev2", index: InspectionIndex(asyncThenRace))
        #expect(raced.rows.last?.what == "driver pwtest_async remove")
        #expect(raced.rows.last?.notes.first?.hasPrefix("RACE driver-removed-before-bind (warning)") == true)
    }

    @Test func withoutEventsTheRowsComeFromProbesAndFindings() {
        let journalOnly = asyncThenRace.filter { if case .event = $0 { return false } else { return true } }
        let view = DeviceView(devpath: "/devices/pwtest/dev2", index: InspectionIndex(journalOnly))
        #expect(view.rows.map(\.seqnum) == [103, 105])
        #expect(view.rows.map(\.what) == ["pending", "race"])
        #expect(view.rows.last!.offsetUsec == 2_000)
    }

    @Test func aDriverViewHasRegistrationsWindowsAndPeakConcurrency() {
        let view = DriverView(DriverKey(bus: "pwtest", name: "pwtest_async"), index: InspectionIndex(asyncThenRace))
        #expect(view.registrations.map(\.what) == ["driver pwtest_async add", "driver pwtest_async remove"])
        #expect(view.windows.map(\.devpath) == ["/devices/pwtest/dev1", "/devices/pwtest/dev2"])
        #expect(view.windows.map(\.outcome) == ["async bind", "driver-removed-before-bind"])
        #expect(view.windows.map(\.isRace) == [false, true])
        #expect(view.peakConcurrency == 2)
        #expect(view.module == "pwtest_async")
    }

    @Test func peakConcurrencyCountsOverlapsNotMoments() {
        func window(_ start: Int64, _ end: Int64) -> DriverView.ProbeWindow {
            .init(devpath: "d", startOffsetUsec: start, endOffsetUsec: end, outcome: "", isRace: false, seqnums: [])
        }
        #expect(DriverView.peak([window(0, 10), window(10, 20), window(5, 5)]) == 1)
        #expect(DriverView.peak([window(0, 10), window(2, 8), window(3, 4)]) == 3)
        #expect(DriverView.peak([]) == 0)
    }

    @Test func theRaceTableCountsPerKindAndDriverAndFilters() {
        let records = asyncThenRace + log { scenario in
            scenario.addDriver()
            scenario.addDevice("dev9")
            scenario.bind("dev9")
            scenario.bind("dev9")
        }
        let all = RaceSummary(InspectionIndex(records))
        #expect(all.byKind.map(\.name).sorted() == ["double-bind", "driver-removed-before-bind"])
        #expect(all.byDriver == [.init(name: "pwtest/pwtest_async", count: 2)])
        let doubles = RaceSummary(InspectionIndex(records), kind: .doubleBind)
        #expect(doubles.findings.map(\.devpath) == ["/devices/pwtest/dev9"])
    }

    @Test func textViewsFitEightyColumns() {
        let index = InspectionIndex(asyncThenRace)
        let text = TimelineText.device(DeviceView(devpath: "/devices/pwtest/dev2", index: index)) + "\n"
            + TimelineText.driver(DriverView(DriverKey(bus: "pwtest", name: "pwtest_async"), index: index)) + "\n"
            + TimelineText.races(RaceSummary(index))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 80 })
        #expect(text.contains("at most 2 pending at once"))
        #expect(TimelineText.races(RaceSummary(InspectionIndex([]))) == "no findings")
    }

    @Test func longTextIsCutFromTheLeftOrWrapped() {
        #expect(TextColumns.keepEnd("/devices/pci0000:00/0000:00:14.0/usb1", 12) == "…0:14.0/usb1")
        #expect(TextColumns.keepEnd("/devices/x", 12) == "/devices/x")
        #expect(TextColumns.wrap("one two three four", 9) == ["one two", "three", "four"])
    }
}
