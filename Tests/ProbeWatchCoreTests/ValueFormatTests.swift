import Foundation
import Testing
@testable import ProbeWatchCore

@Suite("Time spans, timestamps, kernel object paths, validation")
struct ValueFormatTests {
    @Test(arguments: [("30s", 30_000_000), ("500ms", 500_000), ("1.5s", 1_500_000), ("2min", 120_000_000),
                      ("1min 30s", 90_000_000), ("7", 7_000_000), ("250us", 250)] as [(String, Int64)])
    func timeSpans(text: String, usec: Int64) throws {
        #expect(try TimeSpan.parseUsec(text) == usec)
    }

    @Test(arguments: ["", "abc", "5 parsecs", "-1s", "1..2s"])
    func badTimeSpansAreErrors(text: String) {
        #expect(throws: TimeSpan.ParseError.self) { try TimeSpan.parseUsec(text) }
    }

    @Test func rfc3339RoundTrip() {
        let usec: Int64 = 1_795_645_437_123_456  // 2026-11-24T...
        let text = RFC3339.format(realtimeUsec: usec)
        #expect(text.hasSuffix("Z"))
        #expect(text.count == "2026-11-24T22:23:57.123456Z".count)
        #expect(RFC3339.parse(text) == usec)
        #expect(RFC3339.format(realtimeUsec: 0) == "1970-01-01T00:00:00.000000Z")
        #expect(RFC3339.format(realtimeUsec: 951_782_400_000_001) == "2000-02-29T00:00:00.000001Z")
        #expect(RFC3339.parse("2026-11-24T23:23:57+01:00") == RFC3339.parse("2026-11-24T22:23:57Z"))
        #expect(RFC3339.parse("yesterday") == nil)
        #expect(RFC3339.format(realtimeUsec: .min) == "0001-01-01T00:00:00.000000Z")
        #expect(RFC3339.format(realtimeUsec: .max).hasPrefix("294247-01-10T04:00:54.775807Z"))
    }

    @Test func kernelObjectsFromDevpath() {
        #expect(KernelObject(devpath: "/bus/pci/drivers/e1000e", subsystem: "drivers")
            == .driver(DriverKey(bus: "pci", name: "e1000e")))
        #expect(KernelObject(devpath: "/module/e1000e", subsystem: "module") == .module(name: "e1000e"))
        #expect(KernelObject(devpath: "/devices/pci0000:00/0000:00:1f.6", subsystem: "pci") == .device)
        #expect(KernelObject(devpath: "/bus/pci/drivers/e1000e", subsystem: "pci") == .device)
        // Each subsystem names only its own kind of path, and a name of the same length is neither.
        #expect(KernelObject(devpath: "/module/e1000e", subsystem: "drivers") == .device)
        #expect(KernelObject(devpath: "/bus/pci/drivers/e1000e", subsystem: "module") == .device)
        #expect(KernelObject(devpath: "/bus/pci/drivers/e1000e", subsystem: "driverz") == .device)
        #expect(KernelObject(devpath: "/module/e1000e", subsystem: "modulf") == .device)
        #expect(KernelObject(devpath: "/module/e1000e", subsystem: nil) == .device)
        #expect(normalizedModuleName("snd-hda-intel") == "snd_hda_intel")
    }

    @Test(arguments: [("", UEventValidation.Problem.emptyDevpath), ("devices/x", .relativeDevpath),
                      ("/devices/./x", .dotSegment), ("/devices/\u{1}x", .controlCharacter),
                      ("/" + String(repeating: "a", count: 1100), .devpathTooLong)])
    func invalidDevpaths(devpath: String, problem: UEventValidation.Problem) {
        let event = UEvent(action: .add, devpath: devpath, received: EventTime(realtimeUsec: nil, monotonicUsec: 0))
        #expect(event.problem == problem)
    }

    /// The event checks itself when made, and again whenever a field the check reads changes.
    @Test func anEventsProblemFollowsItsFields() {
        var event = UEvent(action: .add, devpath: "/devices/x", received: EventTime(realtimeUsec: nil, monotonicUsec: 0))
        #expect(event.problem == nil)
        event.devpath = "devices/x"
        #expect(event.problem == .relativeDevpath)
        event.devpath = "/devices/x"
        event.escapedKeys = ["DEVPATH"]
        #expect(event.problem == .nonUTF8Devpath)
        event.escapedKeys = ["MODALIAS"]
        #expect(event.problem == nil)
    }
}

@Suite("JSON Lines records")
struct RecordEncoderTests {
    let encoder = RecordEncoder(context: RecordContext(bootID: "b00t", host: "host1"))

    func object(_ line: [UInt8]) throws -> [String: Any] {
        #expect(line.last == 0x0a)
        #expect(line.dropLast().contains(0x0a) == false)
        return try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any])
    }

    @Test func eventRecordCarriesTheCommonAndEventFields() throws {
        let event = UEvent(action: .bind, devpath: "/devices/x", subsystem: "pci", driver: "e1000e", seqnum: 42,
                           properties: ["ACTION": "bind", "QUOTE": "a\"b\\c\n\u{1}"], source: .kernel,
                           received: EventTime(realtimeUsec: 1_000_000, monotonicUsec: 7))
        let json = try object(encoder.line(for: .event(event, invalid: nil), nowRealtimeUsec: 0))
        #expect(json["type"] as? String == "event")
        #expect(json["schema"] as? Int == 1)
        #expect(json["time"] as? String == "1970-01-01T00:00:01.000000Z")
        #expect(json["boot_id"] as? String == "b00t")
        #expect(json["host"] as? String == "host1")
        #expect(json["seqnum"] as? Int == 42)
        #expect(json["driver"] as? String == "e1000e")
        #expect(json["monotonic_usec"] as? Int == 7)
        #expect((json["properties"] as? [String: String])?["QUOTE"] == "a\"b\\c\n\u{1}")
    }

    @Test func raceRecordFields() throws {
        let finding = Finding(kind: .doubleBind, devpath: "/devices/x", driver: "d", bus: "pci", module: nil,
                              seqnums: [1, 2], windowUsec: 5, message: "m", severity: .error, realtimeUsec: nil)
        let json = try object(encoder.line(for: .race(finding), nowRealtimeUsec: 2_000_000))
        #expect(json["kind"] as? String == "double-bind")
        #expect(json["seqnums"] as? [Int] == [1, 2])
        #expect(json["window_usec"] as? Int == 5)
        #expect(json["module"] is NSNull)
        #expect(json["severity"] as? String == "error")
        #expect(json["time"] as? String == "1970-01-01T00:00:02.000000Z")
    }

    @Test func overlongLinesAreCappedAndSaySo() throws {
        var properties = UEventProperties()
        for index in 0..<40 { properties["KEY\(index)"] = String(repeating: "\u{1}", count: 2000) }
        let event = UEvent(action: .add, devpath: "/devices/x", properties: properties,
                           received: EventTime(realtimeUsec: 0, monotonicUsec: 0))
        let line = encoder.line(for: .event(event, invalid: nil), nowRealtimeUsec: 0)
        #expect(line.count <= RecordEncoder.maxLineBytes)
        let json = try object(line)
        #expect(json["truncated"] as? Bool == true)
        #expect((json["properties"] as? [String: String])?["KEY0"]?.contains("bytes cut") == true)
        #expect((json["properties"] as? [String: String])?.count == 40)
    }

    /// What a hostile 2 KiB uevent can hold: control-character names (six bytes each once escaped), short
    /// escaped values that a cut note would lengthen, every key listed as escaped, a control-character path.
    @Test func everyEventLineFitsEvenWhenEscapingMultipliesIt() throws {
        let control = String(repeating: "\u{1}", count: 60)
        var properties = UEventProperties()
        for index in 0..<29 { properties["\(control)\(index)"] = "\\xff" }
        let event = UEvent(action: .add, devpath: "/" + String(repeating: "\u{2}", count: 1900),
                           subsystem: String(repeating: "\u{3}", count: 1900), properties: properties,
                           received: EventTime(realtimeUsec: 0, monotonicUsec: 0),
                           escapedKeys: properties.names)
        let line = encoder.line(for: .event(event, invalid: "DEVPATH has control characters"), nowRealtimeUsec: 0)
        #expect(line.count <= RecordEncoder.maxLineBytes)
        let json = try object(line)
        #expect(json["truncated"] as? Bool == true)
        #expect(json["invalid"] as? String == "DEVPATH has control characters")
        #expect((json["devpath"] as? String)?.contains("bytes cut") == true)
    }
}
