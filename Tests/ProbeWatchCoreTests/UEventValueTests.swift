import Testing
@testable import ProbeWatchCore

/// UEvent keeps its fields behind one reference; it must still behave as a plain value.
@Suite("UEvent is a value")
struct UEventValueTests {
    let time = EventTime(realtimeUsec: 1, monotonicUsec: 1)

    @Test func aChangedCopyLeavesTheOriginalAlone() {
        let original = UEvent(action: .add, devpath: "/devices/a", subsystem: "pci", seqnum: 1,
                              properties: ["ACTION": "add"], received: time)
        var copy = original
        #expect(copy == original)
        copy.devpath = "/devices/b"
        copy.properties["ACTION"] = "remove"
        copy.seqnum = nil
        #expect(original.devpath == "/devices/a")
        #expect(original.properties["ACTION"] == "add")
        #expect(original.seqnum == 1)
        #expect(copy.devpath == "/devices/b" && copy.properties["ACTION"] == "remove" && copy.seqnum == nil)
        #expect(copy != original)
    }

    @Test func equalFieldsAreEqualEventsWhereverTheyLive() {
        let one = UEvent(action: .bind, devpath: "/d", driver: "drv", received: time)
        var other = UEvent(action: .bind, devpath: "/d", driver: "x", received: time)
        #expect(one != other)
        other.driver = "drv"
        #expect(one == other)
        other.escapedKeys = ["K"]
        #expect(one != other)
    }

    /// Logs, test failures and the tracker benchmark's digest print events: they must show the fields, the
    /// same in every process (a private type's name would carry an address).
    @Test func anEventDescribesItsFields() {
        let event = UEvent(action: .bind, devpath: "/d", driver: "drv", seqnum: 7, received: time)
        let text = String(describing: event)
        #expect(text.hasPrefix(#"UEvent(action: ProbeWatchCore.UEventAction.bind, devpath: "/d", subsystem: nil"#))
        #expect(text.contains(#"driver: Optional("drv"), seqnum: Optional(7)"#))
        #expect(!text.contains("Box"))
    }
}
