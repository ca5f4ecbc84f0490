import Testing
@testable import ProbeWatch
@testable import ProbeWatchCore

@Suite("udevadm monitor captures")
struct UdevadmTextParserTests {
    func parse(_ text: String) -> (events: [UEvent], skipped: Int) {
        var parser = UdevadmTextParser()
        var events: [UEvent] = []
        var dedup = CaptureDeduplicator()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            parser.feed(line) { if dedup.admit($0) { events.append($0) } }
        }
        parser.finish { if dedup.admit($0) { events.append($0) } }
        return (events, parser.skippedLines)
    }

    @Test func propertyCaptureWithKernelAndUdevCopiesIsOneEventEach() {
        let text = """
            monitor will print the received events for:
            UDEV - the event which udev sends out after rule processing
            KERNEL - the kernel uevent

            KERNEL[1242.052458] bind     /devices/pwtest/dev1 (pwtest)
            ACTION=bind
            DEVPATH=/devices/pwtest/dev1
            SUBSYSTEM=pwtest
            DRIVER=pwtest_async
            SEQNUM=837

            UDEV  [1242.060000] bind     /devices/pwtest/dev1 (pwtest)
            ACTION=bind
            DEVPATH=/devices/pwtest/dev1
            SUBSYSTEM=pwtest
            DRIVER=pwtest_async
            SEQNUM=837
            USEC_INITIALIZED=1242052000

            """
        let (events, _) = parse(text)
        #expect(events.count == 1)
        let event = events[0]
        #expect(event.action == .bind)
        #expect(event.seqnum == 837)
        #expect(event.driver == "pwtest_async")
        #expect(event.source == .kernel)
        #expect(event.received.monotonicUsec == 1_242_052_458)
    }

    @Test func aBlockOfManyPropertiesParsesInLinearTime() {
        func capture(_ count: Int) -> String {
            let keys = (0..<count).map { "K\($0)=v\($0)" }.joined(separator: "\n")
            return "KERNEL[1.000001] add      /devices/x (pwtest)\nACTION=add\n\(keys)\nK7=again\n\n"
        }
        let (small, large) = (capture(8_000), capture(32_000))
        let ratio = growthRatio(small: { _ = parse(small) }, large: { _ = parse(large) })
        #expect(ratio < 10, "4x the lines took \(ratio)x the time")  // an array-scanning setter: about 16x
        let events = parse(large).events
        #expect(events.first?.properties.count == 32_003)
        #expect(events.first?.properties["K7"] == "again")
        #expect(events.first?.properties.names.prefix(3) == ["ACTION", "K0", "K1"])
    }

    @Test func plainCaptureWithoutSeqnumPairsKernelAndUdevLines() {
        let text = """
            KERNEL[10.000001] add      /devices/pwtest/dev1 (pwtest)
            UDEV  [10.000100] add      /devices/pwtest/dev1 (pwtest)
            KERNEL[10.000200] add      /devices/pwtest/dev1 (pwtest)
            UDEV  [10.000300] add      /devices/pwtest/dev1 (pwtest)
            UDEV  [10.000400] change   /devices/pwtest/dev1 (pwtest)
            """
        let (events, _) = parse(text)
        #expect(events.map(\.action) == [.add, .add, .change])
        #expect(events.map(\.source) == [.kernel, .kernel, .udev])
        #expect(events.allSatisfy { $0.seqnum == nil && $0.subsystem == "pwtest" })
    }

    @Test func messyCaptureIsParsedTolerantly() {
        let text = """
            root@vm:~# udevadm monitor --kernel --property
            [ 1234.567890] usb 1-1: new high-speed USB device number 2 using xhci_hcd
               KERNEL[1242.5] add      /devices/pwtest/dev1 (pwtest)\r
               ACTION=add
               DEVPATH=/devices/pwtest/dev1
               SUBSYSTEM=pwtest
               MODALIAS=pwtest:v0001d00
            01
               SEQNUM=900
            KERNEL[garbage] add /x (y)
            ^C
            """
        let (events, skipped) = parse(text)
        #expect(events.count == 1)
        #expect(events.first?.modalias == "pwtest:v0001d0001")
        #expect(events.first?.received.monotonicUsec == 1_242_500_000)
        #expect(skipped >= 3)
    }

    @Test func unknownActionsAreSkippedNotFatal() {
        let (events, skipped) = parse("KERNEL[1.0] explode /devices/x (x)\n\nKERNEL[2.0] add /devices/y (y)\n")
        #expect(events.map(\.devpath) == ["/devices/y"])
        #expect(skipped == 1)
    }
}

@Suite("probewatch JSON Lines as replay input")
struct JSONLinesEventParserTests {
    let parser = JSONLinesEventParser()

    @Test func eventRecordsRoundTripThroughTheEncoder() {
        let event = UEvent(action: .bind, devpath: "/devices/x", subsystem: "pci", driver: "e1000e", seqnum: 42,
                           properties: ["ACTION": "bind", "B": "\\x5cweird"], source: .kernel,
                           received: EventTime(realtimeUsec: 1_795_645_437_123_456, monotonicUsec: 7),
                           escapedKeys: ["B"])
        let line = RecordEncoder(context: RecordContext(bootID: "b", host: "h"))
            .line(for: .event(event, invalid: nil), nowRealtimeUsec: 0)
        let text = String(decoding: line.dropLast(), as: UTF8.self)
        #expect(parser.parse(Substring(text)) == .event(event))
    }

    @Test func otherRecordsNewerSchemasAndGarbageAreClassified() {
        #expect(parser.parse(#"{"type":"race","schema":1}"#) == .otherRecord)
        #expect(parser.parse(#"{"type":"event","schema":7}"#) == .newerSchema(7))
        #expect(parser.parse(#"{"type":"event","schema":1,"action":"add""#)
            == .invalid("not a JSON object (line ends inside an object)"))
        #expect(parser.parse(#"{"type":"event","schema":1,"action":"boom","devpath":"/x"}"#)
            == .invalid("event without a known action"))
    }
}

@Suite("Lossless decoding of uevent bytes")
struct UEventDecodingTests {
    @Test func validUTF8PassesThrough() {
        #expect(UEventDecoding.decode(Array("Grüße \\x".utf8)) == ("Grüße \\x", false))
    }

    @Test func invalidBytesAndBackslashesAreEscaped() {
        let (text, escaped) = UEventDecoding.decode([0x41, 0xff, 0x5c, 0xc3, 0xa9, 0xc3])
        #expect(escaped)
        #expect(text == "A\\xff\\x5cé\\xc3")
    }
}
