import Testing
@testable import ProbeWatch
@testable import ProbeWatchCore

/// JSONLinesEventParser(keepsAllProperties: false): a valid event keeps only the properties the tracker
/// reads, the same values a full read gives; an invalid one, and any line whose names are not all plain
/// ASCII, is read whole.
@Suite("JSON Lines reader: only the tracker's properties")
struct TrackedPropertiesTests {
    let full = JSONLinesEventParser()
    let tracked = JSONLinesEventParser(keepsAllProperties: false)

    static func line(devpath: String = "/devices/x", properties: String) -> String {
        EventLineScannerTests.line(properties: properties).replacingOccurrences(of: "/devices/x", with: devpath)
    }

    func event(_ parser: JSONLinesEventParser, _ line: String) -> UEvent? {
        if case .event(let event) = parser.parse(Substring(line)) { return event }
        return nil
    }

    /// The full read, cut down to the names the tracker reads.
    func expected(_ line: String) -> UEvent? {
        guard var event = event(full, line) else { return nil }
        let all = event.properties
        event.properties = UEventProperties()
        for property in all where UEvent.propertiesReadByTracker.contains(where: { "\($0)" == property.name }) {
            event.properties.appendUnique(property.name, property.value)
        }
        return event
    }

    @Test(arguments: [
        #"{"ACTION":"add","DEVPATH":"/devices/x","MODALIAS":"pci:v1","SEQNUM":"7"}"#,
        #"{"ACTION":"add","DEVPATH_OLD":"/devices/old","MODALIAS":"pci:v1"}"#,
        #"{"MODALIAS":"first","ACTION":"add","MODALIAS":"second"}"#,
        #"{"SUBSYSTEM":"pci","MODALIAS":"pci:v\u00e9","DEVPATH_OLD":"/devices/\"q\""}"#,
        #"{"ACTION":"add"}"#, "{}", "null",
        #"{ "ACTION" : "add" , "MODALIAS" : "pci:v1" }"#,
        #"{"":"x","DEVPATHS":"y","MODALIAZ":"z","MODALIAS":"m","DEVPATH_OLX":"o"}"#,
    ])
    func validEventsKeepTheTrackersProperties(properties: String) {
        let line = Self.line(properties: properties)
        let read = event(tracked, line)
        #expect(read != nil)
        #expect(read == expected(line))
        #expect(read?.modalias == event(full, line)?.modalias)
        #expect(read?.devpathOld == event(full, line)?.devpathOld)
    }

    /// Plain members come out marked plain, so that the log copies them as they are; a member with an
    /// escape or a byte above 0x7f does not, nor do members out of order (the general path, which does
    /// not look).
    @Test func plainMembersAreMarkedPlain() {
        #expect(event(full, Self.line(properties: #"{"ACTION":"add","MODALIAS":"m"}"#))?.properties.isPlainASCII == true)
        #expect(event(full, Self.line(properties: #"{"ACTION":"a\"d"}"#))?.properties.isPlainASCII == false)
        #expect(event(full, Self.line(properties: #"{"ACTION":"\u00e9"}"#))?.properties.isPlainASCII == false)
        #expect(event(full, Self.line(properties: #"{"B":"1","A":"2"}"#))?.properties.isPlainASCII == false)
    }

    /// A name that is not plain ASCII might equal a wanted one as a String: the line is read whole.
    @Test(arguments: [#"{"MODALIAS":"a","K\u00e9":"v"}"#, #"{"K\n":"v","MODALIAS":"a"}"#, #"{"Zé":"v"}"#])
    func unplainNamesMeanAWholeRead(properties: String) {
        let line = Self.line(properties: properties)
        #expect(event(tracked, line) == event(full, line))
    }

    @Test(arguments: ["/devices/./x", "devices/x", "/devices/\\u0001x"])
    func invalidEventsKeepEveryProperty(devpath: String) {
        let line = Self.line(devpath: devpath, properties: #"{"ACTION":"add","MODALIAS":"m","SEQNUM":"7"}"#)
        let read = event(tracked, line)
        #expect(read != nil && read!.problem != nil)
        #expect(read == event(full, line))
        #expect(read?.properties.count == 3)
    }

    @Test func otherLinesReadAlike() {
        for line in [#"{"type":"probe","schema":1}"#, #"{"type":"event","schema":99}"#, "{", #"{"type":"event"}"#] {
            #expect(tracked.parse(Substring(line)) == full.parse(Substring(line)))
        }
    }
}
