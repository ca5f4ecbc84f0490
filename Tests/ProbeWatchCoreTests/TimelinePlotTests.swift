import Testing
@testable import ProbeWatchCore

private let t0: Int64 = 1_700_000_000_000_000
private let weird = "/devices/pwtest/a<&>\"b'"

private func event(_ seqnum: UInt64, _ action: UEventAction, _ devpath: String, subsystem: String, at usec: Int64,
                   driver: String? = nil) -> Record {
    .event(UEvent(action: action, devpath: devpath, subsystem: subsystem, driver: driver, seqnum: seqnum,
                  received: EventTime(realtimeUsec: t0 + usec, monotonicUsec: usec)), invalid: nil)
}

private func probe(_ devpath: String, at usec: Int64, latency: Int64?, seqnums: [UInt64]) -> Record {
    .probe(ProbeCompletion(devpath: devpath, driver: "pwtest_async", bus: "pwtest", module: "pwtest_async", mode: .async,
                           latencyUsec: latency, seqnums: seqnums, realtimeUsec: t0 + usec))
}

/// A driver registers, two devices bind, a third is unplugged while its probe is pending, the first is
/// unbound and removed.
private let records: [Record] = [
    event(101, .add, "/devices/pwtest/dev1", subsystem: "pwtest", at: 0),
    event(102, .add, weird, subsystem: "pwtest", at: 1_000),
    event(103, .add, "/bus/pwtest/drivers/pwtest_async", subsystem: "drivers", at: 2_000),
    event(104, .add, "/module/pwtest_async", subsystem: "module", at: 2_100),
    event(105, .bind, "/devices/pwtest/dev1", subsystem: "pwtest", at: 5_000, driver: "pwtest_async"),
    probe("/devices/pwtest/dev1", at: 5_000, latency: 3_000, seqnums: [103, 105]),
    event(106, .bind, weird, subsystem: "pwtest", at: 9_000, driver: "pwtest_async"),
    probe(weird, at: 9_000, latency: 7_000, seqnums: [103, 106]),
    event(107, .add, "/devices/pwtest/dev3", subsystem: "pwtest", at: 10_000),
    event(108, .remove, "/devices/pwtest/dev3", subsystem: "pwtest", at: 11_000),
    .race(Finding(kind: .deviceRemovedBeforeBind, devpath: "/devices/pwtest/dev3", driver: "pwtest_async", bus: "pwtest",
                  module: "pwtest_async", seqnums: [107, 108], windowUsec: 1_000,
                  message: "/devices/pwtest/dev3 was removed 1.0 ms after its probe by pwtest_async became pending",
                  severity: .warning, realtimeUsec: t0 + 11_000)),
    event(109, .unbind, "/devices/pwtest/dev1", subsystem: "pwtest", at: 12_000),
    event(110, .remove, "/devices/pwtest/dev1", subsystem: "pwtest", at: 12_500),
]

/// `text` from the first occurrence of `start` on.
private func after(_ start: String, in text: String) -> Substring {
    text.range(of: start).map { text[$0.lowerBound...] } ?? ""
}

private func count(_ needle: String, in text: some StringProtocol) -> Int {
    text.components(separatedBy: needle).count - 1
}

@Suite("Timeline plot: SVG and HTML")
struct TimelinePlotTests {
    let svg = TimelinePlot.svg(InspectionIndex(records))

    @Test func isOneSVGDocument() {
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1200\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(count("<svg", in: svg) == 1)
        #expect(count("<g", in: svg) == count("</g>", in: svg))
        #expect(count("<text", in: svg) == count("</text>", in: svg))
    }

    @Test func hasOneLanePerDeviceGroupedUnderTheDriver() {
        #expect(count("<g class=\"group\">", in: svg) == 1)
        #expect(count("<g class=\"lane\">", in: svg) == 3)
        let group = after("<g class=\"group\">", in: svg)
        let header = group.range(of: ">pwtest/pwtest_async (pwtest_async)<title>")
        #expect(header != nil)
        var previous = header?.upperBound ?? group.startIndex
        // Lanes follow the header in the order their probes started: the weird one and dev1 at the driver's add
        // (then by DEVPATH), dev3 later.
        for devpath in ["/devices/pwtest/a&lt;&amp;&gt;&quot;b&apos;", "/devices/pwtest/dev1", "/devices/pwtest/dev3"] {
            let lane = group[previous...].range(of: "class=\"devpath\">\(devpath)<title>")
            #expect(lane != nil, "no lane for \(devpath) after the previous one")
            previous = lane?.upperBound ?? previous
        }
    }

    @Test func barsRunFromPendingToBindAtTheirRealTimes() throws {
        let model = PlotModel(InspectionIndex(records))
        let lanes = try #require(model.groups.first?.lanes)
        #expect(lanes.map(\.bars.first?.start) == [t0 + 2_000, t0 + 2_000, t0 + 10_000])
        #expect(lanes.map(\.devpath) == [weird, "/devices/pwtest/dev1", "/devices/pwtest/dev3"])
        #expect(lanes.map(\.bars.first?.end) == [t0 + 9_000, t0 + 5_000, t0 + 11_000])
        #expect(model.origin == t0 + 2_000)
        #expect(model.groups.first?.markers.map(\.kind) == [.driverAdd, .moduleAdd])
        #expect(lanes[0].markers.isEmpty)
        #expect(lanes[1].markers.map(\.kind) == [.unbind, .remove])
        #expect(lanes[2].markers.map(\.kind) == [.remove])
    }

    @Test func highlightsTheRaceInRedWithItsKind() {
        let lanes = after("<g class=\"group\">", in: svg)
        #expect(count("class=\"bar race\"", in: lanes) == 1)
        #expect(count("class=\"bar\"", in: lanes) == 2)
        let race = after("class=\"bar race\"", in: String(lanes))
        #expect(race.prefix(200).contains("fill=\"#d32f2f\""))
        #expect(race.prefix(300).contains("<title>RACE device-removed-before-bind (warning)\n/devices/pwtest/dev3"))
        #expect(lanes.contains("class=\"race-label\" fill=\"#b71c1c\">device-removed-before-bind 1.0 ms</text>"))
        #expect(svg.contains("class=\"race-count\" fill=\"#d32f2f\">1 race</text>"))
    }

    @Test func marksUnbindAndRemoveOfTheDevicesAndTheDriversRegistration() {
        let lanes = after("<g class=\"group\">", in: svg)
        #expect(count("<g class=\"marker unbind\">", in: lanes) == 1)
        #expect(count("<g class=\"marker remove\">", in: lanes) == 2)
        #expect(count("<g class=\"marker driver-add\">", in: lanes) == 1)
        #expect(count("<g class=\"marker module-add\">", in: lanes) == 1)
        #expect(lanes.contains("<title>/devices/pwtest/dev1 unbind (SEQNUM 109)</title>"))
        // The legend explains every marker.
        let legend = after("<g class=\"legend\">", in: svg).components(separatedBy: "<g class=\"rows\">")[0]
        for kind in PlotModel.MarkerKind.allCases {
            #expect(legend.contains("<g class=\"marker \(kind.rawValue)\">"))
        }
    }

    @Test func hasAnAxisWithTickLabels() {
        let ticks = svg.components(separatedBy: "class=\"tick\" fill=\"#444444\">").dropFirst()
            .map { String($0.prefix { $0 != "<" }) }
        // Top and bottom axis: 0 to 10.5 ms.
        #expect(ticks.count >= 6)
        #expect(ticks.filter { $0 == "0" }.count == 2)
        #expect(ticks.contains("5 ms") || ticks.contains("2 ms"))
        #expect(ticks.allSatisfy { $0 == "0" || $0.hasSuffix(" ms") || $0.hasSuffix(" µs") })
    }

    @Test func escapesUntrustedText() {
        #expect(!svg.contains("a<&>"))
        #expect(svg.contains("a&lt;&amp;&gt;&quot;b&apos;"))
        #expect(SVGText.escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;")
        #expect(SVGText.escape("bell\u{07}\u{1B}[31m\ttab") == "bell\\x07\\x1b[31m\ttab")
        #expect(SVGText.escape("µs ✓") == "µs ✓")
    }

    @Test func htmlEmbedsTheSameSVGWithAHeading() {
        let page = TimelinePlot.html(InspectionIndex(records), title: "probewatch timeline of <log>")
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<h1>probewatch timeline of &lt;log&gt;</h1>"))
        #expect(page.contains(svg))
        #expect(page.contains("<span class=\"race\">device-removed-before-bind</span>"))
        #expect(page.hasSuffix("</html>\n"))
    }

    @Test func withNothingToDrawItSaysSo() {
        let only = [event(1, .add, "/devices/virtual/net/lo", subsystem: "net", at: 0)]
        let empty = TimelinePlot.svg(InspectionIndex(only))
        #expect(empty.hasPrefix("<svg") && empty.hasSuffix("</svg>\n"))
        #expect(empty.contains("No probe windows, findings or driver registrations"))
        #expect(!empty.contains("class=\"lane\""))
    }

    @Test func findingsWithoutADriverGetALaneOfTheirOwn() {
        let unbind = Finding(kind: .unbindWithoutBind, devpath: "/devices/pwtest/dev9", driver: "", bus: "pwtest",
                             module: nil, seqnums: [120], windowUsec: 0, message: "unbind of a device never bound",
                             severity: .warning, realtimeUsec: t0 + 20_000)
        let svg = TimelinePlot.svg(InspectionIndex(records + [.race(unbind)]))
        #expect(count("<g class=\"group\">", in: svg) == 2)
        #expect(svg.contains(">pwtest/- (no driver)<title>"))
        #expect(count("class=\"bar race\"", in: svg) == 2)
    }

    @Test func longIdleStretchesAreCutOutOfTheAxis() {
        let later: Int64 = 90_000_000
        let hotplug: [Record] = [
            event(200, .add, "/devices/pwtest/dev4", subsystem: "pwtest", at: later),
            event(201, .bind, "/devices/pwtest/dev4", subsystem: "pwtest", at: later + 400, driver: "pwtest_async"),
            probe("/devices/pwtest/dev4", at: later + 400, latency: 400, seqnums: [200, 201]),
        ]
        let axis = PlotRenderer(model: PlotModel(InspectionIndex(records + hotplug))).axis
        #expect(axis.segments.count == 2)
        #expect(axis.breaks.map(\.usec) == [later - 12_500])
        // Both stretches are wide enough to read, though one is 26 times the other.
        #expect(axis.segments.allSatisfy { $0.width >= TimeAxis.minimumSegmentWidth })
        #expect(axis.x(t0 + later) > axis.x(t0 + 12_500) + TimeAxis.breakWidth - 1)
        let svg = TimelinePlot.svg(InspectionIndex(records + hotplug))
        #expect(svg.contains("class=\"skip\" fill=\"#777777\">1.5 min idle</text>"))
        #expect(svg.contains("class=\"tick\" fill=\"#444444\">89.998 s</text>"))
    }

    @Test func tickLabelsShowAsManyDigitsAsTheStepNeeds() {
        #expect(TimeAxis.label(usec: 0, step: 100) == "0")
        #expect(TimeAxis.label(usec: 250, step: 50) == "250 µs")
        #expect(TimeAxis.label(usec: 1_200, step: 200) == "1.2 ms")
        #expect(TimeAxis.label(usec: 5_000, step: 5_000) == "5 ms")
        #expect(TimeAxis.label(usec: 2_351_240, step: 20) == "2.35124 s")
        #expect(TimeAxis.label(usec: 3_000_000, step: 1_000_000) == "3 s")
        #expect(TimeAxis.startLabel(usec: 89_990_123) == "89.990 s")
        #expect(TimeAxis.compact(usec: 85_000) == "85 ms")
        #expect(TimeAxis.compact(usec: 1_230_000) == "1.2 s")
        #expect(TimeAxis.compact(usec: 1_200_000_000) == "20 min")
        #expect(TimeAxis.compact(usec: 7) == "7 µs")
    }

    @Test func devicesSortWithNumbersAsNumbers() {
        let names = ["i2c.10", "i2c.2", "i2c.1", "i2c.02a", "i2c"]
        #expect(names.sorted(by: naturalOrder) == ["i2c", "i2c.1", "i2c.2", "i2c.02a", "i2c.10"])
    }
}
