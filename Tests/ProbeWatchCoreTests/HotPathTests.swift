import Testing
@testable import ProbeWatchCore

/// The per-event paths keep data in compact or cached forms; these check that they read back the same.
@Suite("Hot paths: packed notes, inline pending probes, the reorder fast path")
struct HotPathTests {
    let time = EventTime(realtimeUsec: nil, monotonicUsec: 1)

    func entry(_ note: TimelineNote?) -> TimelineEntry {
        TimelineEntry(seqnum: 1, action: .bind, driver: "d", time: time, annotation: note)
    }

    @Test func packedNotesReadAsTheirText() {
        #expect(entry(nil).note == nil)
        #expect(entry(.text("gone")).note == "gone")
        #expect(entry(.probePendingBy(driver: "pwtest")).note == "probe pending by pwtest")
        #expect(entry(.removedBeforeBind(driver: "pwtest")).note == "removed before bind by pwtest")
        #expect(entry(.bind(mode: .sync, latencyUsec: nil)).note == "sync bind")
        #expect(entry(.bind(mode: .deviceAdd, latencyUsec: 850)).note
            == "device-add bind 850 µs after probe became pending")
        #expect(MemoryLayout<TimelineEntry>.stride == 64)
    }

    /// SEQNUM and the realtime clock are kept with flags beside them: every value, and none, reads back.
    @Test func packedOptionalsReadBackAsGiven() {
        for seqnum in [nil, 0, 7, UInt64.max] as [UInt64?] {
            for realtime in [nil, 0, .min, .max] as [Int64?] {
                let time = EventTime(realtimeUsec: realtime, monotonicUsec: -5)
                var entry = TimelineEntry(seqnum: seqnum, action: .add, driver: nil, time: time, annotation: nil)
                #expect(entry.seqnum == seqnum && entry.time == time && entry.action == .add)
                entry.seqnum = nil
                entry.time = EventTime(realtimeUsec: nil, monotonicUsec: .max)
                #expect(entry.seqnum == nil && entry.time == EventTime(realtimeUsec: nil, monotonicUsec: .max))
                entry.seqnum = 9
                #expect(entry.seqnum == 9 && entry.time.realtimeUsec == nil)
            }
        }
    }

    @Test func aLatencyTooLongToPackIsKeptAsText() {
        let hours: Int64 = 5 * 3_600_000_000
        #expect(entry(.bind(mode: .async, latencyUsec: hours)).note
            == "async bind \(TimeSpan.describe(usec: hours)) after probe became pending")
    }

    @Test func aValueComparesByteForByte() {
        let properties: UEventProperties = ["MODALIAS": "pci:v8086", "NAME": "e\u{301}"]
        #expect(properties.value(named: "MODALIAS", isByteForByte: "pci:v8086"))
        #expect(!properties.value(named: "MODALIAS", isByteForByte: "pci:v8087"))
        #expect(!properties.value(named: "MODALIAS", isByteForByte: "pci:v808"))
        #expect(!properties.value(named: "DEVPATH", isByteForByte: ""))
        // Canonically equal as Strings, but not the same bytes: a caller must take the new spelling.
        #expect(properties["NAME"] == "é" && !properties.value(named: "NAME", isByteForByte: "é"))
    }

    @Test func bytesCompareAWordAtATime() {
        let text = Array("0123456789abcdefghij".utf8)
        text.withUnsafeBufferPointer { all in
            for length in 0...text.count {
                let prefix = UnsafeBufferPointer(rebasing: all[..<length])
                for other in 0...text.count {
                    let copy = Array(all[..<other])
                    copy.withUnsafeBufferPointer { #expect(UTF8Bytes.same(prefix, $0) == (length == other)) }
                }
                for changed in 0..<length {
                    var copy = Array(prefix)
                    copy[changed] ^= 1
                    copy.withUnsafeBufferPointer { #expect(!UTF8Bytes.same(prefix, $0)) }
                }
            }
        }
    }

    @Test func aDeviceTakesANewOrChangedModaliasOnly() {
        var device = DeviceState(devpath: "/devices/x", subsystem: "pci", modalias: nil)
        func event(_ properties: UEventProperties) -> UEvent {
            UEvent(action: .add, devpath: "/devices/x", properties: properties, received: time)
        }
        device.takeModalias(of: event([:]))
        #expect(device.modalias == nil)
        device.takeModalias(of: event(["MODALIAS": "a"]))
        #expect(device.modalias == "a")
        device.takeModalias(of: event(["MODALIAS": "a"]))
        device.takeModalias(of: event([:]))
        #expect(device.modalias == "a")
        device.takeModalias(of: event(["MODALIAS": "b"]))
        #expect(device.modalias == "b")
    }

    @Test func boundBeforeIsAskedWithoutHashingFewDrivers() {
        var device = DeviceState(devpath: "/devices/x", subsystem: "pci", modalias: nil)
        #expect(!device.hasBoundBefore("a"))
        for name in ["a", "b", "a", "c", "d", "e", "f", "b"] { device.noteBound(by: name) }
        #expect(device.boundBefore == ["a", "b", "c", "d", "e", "f"])
        for name in ["a", "b", "c", "d", "e", "f"] { #expect(device.hasBoundBefore(name)) }
        #expect(!device.hasBoundBefore("g") && !device.hasBoundBefore(""))
    }

    @Test func entriesCompareByWhatTheySay() {
        #expect(entry(.probePendingBy(driver: "x")) == entry(.text("probe pending by x")))
        var annotated = DeviceState(devpath: "/devices/x", subsystem: "x", modalias: nil)
        annotated.record(entry(.probePendingBy(driver: "a")), limit: 4)
        annotated.annotateLast(.probePendingBy(driver: "b"))
        #expect(annotated.entries.last?.note == "probe pending by a; probe pending by b")
    }

    func probe(_ driver: String) -> PendingProbe {
        PendingProbe(devpath: "/devices/x", driver: DriverKey(bus: "x", name: driver), module: nil,
                     trigger: .deviceAdded, started: EventRef(seqnum: 1, time: time))
    }

    @Test func pendingProbesOfOneDeviceStayInDriverOrder() {
        var pending = PendingProbes()
        for name in ["m", "c", "x", "a", "c"] { pending.start(probe(name)) }
        #expect(pending.count == 4)
        #expect(pending.probes(of: "/devices/x").map(\.driver.name) == ["a", "c", "m", "x"])
        let ended = pending.end(devpath: "/devices/x", driver: DriverKey(bus: "x", name: "a"))
        #expect(ended?.driver.name == "a")
        #expect(pending.probes(of: "/devices/x").map(\.driver.name) == ["c", "m", "x"])
        let rest = pending.endAll(devpath: "/devices/x")
        #expect(rest.count == 3)
        #expect(pending.count == 0)
    }

    /// A device three drivers match: the add notes all pending probes, the bind writes one entry per moot
    /// probe and its own note on the last entry it writes.
    @Test func aBindNotesItsMootProbesAndPutsItsNoteLast() {
        var configuration = ProbeTracker.Configuration()
        configuration.modulesForModalias = { _ in ["pwa", "pwb", "pwc"] }
        var tracker = ProbeTracker(configuration: configuration)
        var scenario = Scenario()
        for name in ["pwa", "pwb", "pwc"] { scenario.addDriver(name) }
        scenario.addDevice("d")
        scenario.bind("d", driver: "pwb")
        _ = scenario.run(&tracker)
        let entries = tracker.devices["/devices/pwtest/d"]?.entries.map { "\($0.action?.rawValue ?? "-") \($0.driver ?? "-"): \($0.note ?? "")" }
        #expect(entries == [
            "add -: probe pending by pwa; probe pending by pwb; probe pending by pwc",
            "bind pwb: ",
            "- pwa: probe by pwa moot",
            "- pwc: probe by pwc moot; device-add bind 1.0 ms after probe became pending",
        ])
    }

    @Test func theReorderFastPathCountsLikeInsert() {
        func event(_ seqnum: UInt64?) -> UEvent {
            UEvent(action: .change, devpath: "/devices/x", seqnum: seqnum, received: time)
        }
        var buffer = SeqnumReorderBuffer(windowUsec: 20_000)
        let first = buffer.passesThrough(event(10))
        #expect(!first)  // the first SEQNUM waits for earlier ones
        buffer.insert(event(10)) { _ in }
        buffer.releaseExpired(nowMonotonicUsec: 20_001) { _ in }
        let passed = [11, nil, 5].map { buffer.passesThrough(event($0)) }
        #expect(passed == [true, true, true])
        #expect(buffer.lateCount == 1)
        let gap = buffer.passesThrough(event(13))
        #expect(!gap)  // a gap waits
        #expect(buffer.gapCount == 0)
    }
}

/// TimeSpan.describe writes its text with integers now; it must read as the Double form did, except on
/// exact halves, which Doubles could not always hold (1.005 s was 1.00 s) and which now round up.
@Suite("Time spans described as before")
struct TimeSpanTextTests {
    /// The form before: Doubles, interpolation and a padding String.
    static func reference(_ usec: Int64) -> String {
        func fixed(_ value: Double, _ digits: Int) -> String {
            var scale = 1.0
            for _ in 0..<digits { scale *= 10 }
            let scaled = Int64((value * scale).rounded())
            let whole = scaled / Int64(scale)
            let frac = String(scaled % Int64(scale))
            return "\(whole)." + String(repeating: "0", count: digits - frac.count) + frac
        }
        if usec < 1_000 { return "\(usec) µs" }
        if usec < 1_000_000 { return "\(fixed(Double(usec) / 1e3, 1)) ms" }
        return "\(fixed(Double(usec) / 1e6, 2)) s"
    }

    @Test func readsAsBefore() {
        var values: [Int64] = [.min, -1, 0, 1, 999, 1_000, 1_049, 1_050, 1_051, 9_950, 99_949, 99_950, 999_949,
                               999_950, 999_999, 1_000_000, 1_004_999, 1_005_000, 59_995_000, .max]
        var state: UInt64 = 42
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(Int64(state >> (state % 40 + 24)))
        }
        for usec in values where !Self.isExactHalf(usec) {
            #expect(TimeSpan.describe(usec: usec) == Self.reference(usec), "\(usec)")
        }
    }

    /// Whether `usec` lies exactly halfway between two values the text can show.
    static func isExactHalf(_ usec: Int64) -> Bool {
        (1_000..<1_000_000).contains(usec) ? usec % 100 == 50 : usec >= 1_000_000 && usec % 10_000 == 5_000
    }

    @Test(arguments: [(1_050, "1.1 ms"), (1_150, "1.2 ms"), (999_950, "1000.0 ms"), (1_005_000, "1.01 s"),
                      (1_015_000, "1.02 s"), (2_004_999, "2.00 s")] as [(Int64, String)])
    func exactHalvesRoundUp(usec: Int64, text: String) {
        #expect(TimeSpan.describe(usec: usec) == text)
    }

    /// The extremes fit the room the writer promises, and read as they should.
    @Test(arguments: [(Int64.min, "-9223372036854775808 µs"), (-1, "-1 µs"), (0, "0 µs"), (999, "999 µs"),
                      (3_250, "3.3 ms"), (.max, "9223372036854.78 s")] as [(Int64, String)])
    func writesWithinItsRoom(usec: Int64, text: String) {
        let bytes = [UInt8](unsafeUninitializedCapacity: TimeSpan.maxDescriptionBytes) { buffer, count in
            count = TimeSpan.writeDescription(usec: usec, to: buffer.baseAddress!)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == text)
        #expect(bytes.count <= TimeSpan.maxDescriptionBytes)
    }
}
