import Foundation
import Testing
@testable import ProbeWatch
@testable import ProbeWatchCore

/// JSONLinesEventParser reading lines from their bytes (EventLineScanner, JSONByteCursor).
@Suite("JSON Lines event scanner")
struct EventLineScannerTests {
    let parser = JSONLinesEventParser()

    /// An event line as RecordEncoder writes it, with `fields` spliced in before `properties`.
    static func line(_ fields: String = "", properties: String = #"{"ACTION":"add"}"#) -> String {
        #"{"type":"event","schema":1,"time":"2026-01-02T03:04:05.000006Z","boot_id":"b","host":"h","seqnum":7,"#
            + #""action":"add","devpath":"/devices/x","subsystem":"pci","driver":null,"source":"kernel","#
            + #""monotonic_usec":9"# + fields + #","properties":"# + properties + "}"
    }

    static let plain = UEvent(
        action: .add, devpath: "/devices/x", subsystem: "pci", seqnum: 7, properties: ["ACTION": "add"],
        source: .kernel, received: EventTime(realtimeUsec: 1_767_323_045_000_006, monotonicUsec: 9))

    func event(_ line: String) -> UEvent? {
        if case .event(let event) = parser.parse(Substring(line)) { return event }
        return nil
    }

    func isNotJSON(_ line: String) -> Bool {
        if case .invalid(let why) = parser.parse(Substring(line)) { return why.hasPrefix("not a JSON object") }
        return false
    }

    @Test func encoderLineReadsBack() {
        #expect(parser.parse(Substring(Self.line())) == .event(Self.plain))
    }

    // MARK: - Strings

    @Test(arguments: [
        (#"\""#, "\""), (#"\\"#, "\\"), (#"\/"#, "/"), (#"\b"#, "\u{08}"), (#"\f"#, "\u{0C}"), (#"\n"#, "\n"),
        (#"\r"#, "\r"), (#"\t"#, "\t"), (#"\u0041"#, "A"), (#"\u00e9"#, "é"), (#"\u20AC"#, "€"), (#"\u0000"#, "\0"),
        (#"\ud83d\ude00"#, "😀"), (#"\uD83D\uDE00x"#, "😀x"), ("é€😀", "é€😀"), (#"a\"b\\c\u001f"#, "a\"b\\c\u{1F}"),
    ])
    func escapesAreDecoded(escaped: String, text: String) {
        let read = event(Self.line(properties: #"{"K":"<"# + escaped + #">","K\u00e9\n":"v"}"#))
        #expect(read?.properties["K"] == "<" + text + ">")
        #expect(read?.properties["Ké\n"] == "v")
        #expect(event(Self.line().replacingOccurrences(of: "/devices/x", with: "/devices/" + escaped))?.devpath
            == "/devices/" + text)
    }

    @Test(arguments: [
        #"\x41"#, #"\u12"#, #"\u12G4"#, #"\ud800"#, #"\ud800x"#, #"\ud800\u0041"#, #"\udc00"#, #"\ude00\ud83d"#,
        #"\ud83d\ud83d"#, #"\U0041"#, "\\", "\u{01}", "\t", "\u{1F}",
    ])
    func badEscapesAndRawControlBytesAreNotJSON(_ bad: String) {
        #expect(isNotJSON(Self.line(properties: #"{"K":"x"# + bad + #"y"}"#)))
        #expect(isNotJSON(Self.line(#","host2":"x"# + bad + #"""#)))  // also in skipped values
    }

    @Test func bytesThatAreNotUTF8BecomeReplacementCharacters() {
        var bytes = Array(Self.line(properties: #"{"K":"a?b"}"#).utf8)
        let mark = bytes.firstIndex(of: UInt8(ascii: "?"))!
        bytes[mark] = 0xff
        let result = bytes.withUnsafeBytes { parser.parse($0) }
        guard case .event(let event) = result else {
            Issue.record("\(result)")
            return
        }
        #expect(event.properties["K"] == "a\u{FFFD}b")
    }

    // MARK: - Structure

    @Test func unknownKeysAndNestedValuesAreSkipped() {
        let extra = #","x":{"a":[1,-2.5e+3,{"b":null}],"c":"}]","d":[[],{}],"e":true,"f":false},"y":[0,"\u0041"]"#
        #expect(event(Self.line(extra)) == Self.plain)
        #expect(event(#"{"z":1,"# + Self.line().dropFirst()) == Self.plain)
    }

    @Test func nestingIsLimited() {
        let deep = { (levels: Int) in String(repeating: "[", count: levels) + String(repeating: "]", count: levels) }
        #expect(event(Self.line(",\"x\":" + deep(JSONByteCursor.maxDepth - 1))) == Self.plain)
        #expect(isNotJSON(Self.line(",\"x\":" + deep(JSONByteCursor.maxDepth))))
        #expect(isNotJSON(Self.line(",\"x\":" + deep(100_000))))  // refused, not a stack overflow
    }

    @Test func keysInAnyOrderGiveTheSameEvent() {
        let members = [
            #""type":"event""#, #""schema":1"#, #""time":"2026-01-02T03:04:05.000006Z""#, #""boot_id":"b""#,
            #""seqnum":7"#, #""action":"add""#, #""devpath":"/devices/x""#, #""subsystem":"pci""#, #""driver":null"#,
            #""source":"kernel""#, #""monotonic_usec":9"#, #""properties":{"ACTION":"add"}"#,
        ]
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            let line = "{" + members.shuffled(using: &generator).joined(separator: ",") + "}"
            #expect(event(line) == Self.plain, "\(line)")
        }
        #expect(event("{" + members.reversed().joined(separator: ",") + "}") == Self.plain)
    }

    @Test func whitespaceAndAByteOrderMarkAreAllowed() {
        let spaced = Self.line().replacingOccurrences(of: ",", with: " ,\t").replacingOccurrences(of: "\":", with: "\" : ")
        #expect(event(" \t" + spaced + " \r") == Self.plain)
        #expect(event("\u{FEFF}" + Self.line()) == Self.plain)
    }

    @Test(arguments: [
        "", "   ", "[]", #""event""#, "null", "{", "{}x", Self.line() + "x", Self.line() + "{}", Self.line() + ",",
        #"{"type":"event",}"#, #"{"type":"event" "schema":1}"#, #"{"type":}"#, #"{type:"event"}"#, #"{"a":01}"#,
        #"{"a":1.}"#, #"{"a":-}"#, #"{"a":.5}"#, #"{"a":1e}"#, #"{"a":tru}"#, #"{"a":nul}"#, #"{"a":[1,]}"#,
        #"{"a":"x"#, "{\"a\":1}\u{0}",
    ])
    func malformedLinesAreNotJSON(_ line: String) {
        #expect(isNotJSON(line))
    }

    @Test func everyPrefixOfALineIsInvalidAndNothingCrashes() {
        let line = Array(Self.line(#","escaped":["K"]"#, properties: #"{"A\u00e9":"\ud83d\ude00","B":"\"x\""}"#).utf8)
        for length in 0..<line.count {
            let result = line[..<length].withUnsafeBytes { parser.parse($0) }
            guard case .invalid = result else {
                Issue.record("prefix of \(length) bytes: \(result)")
                continue
            }
        }
    }

    // MARK: - Types and values

    @Test func nullsAreAbsentFields() {
        let line = #"{"type":"event","schema":null,"time":null,"seqnum":null,"action":"bind","devpath":"/d","#
            + #""subsystem":null,"driver":null,"source":null,"monotonic_usec":null,"properties":null,"escaped":null}"#
        #expect(event(line) == UEvent(action: .bind, devpath: "/d", source: .replay,
                                      received: EventTime(realtimeUsec: nil, monotonicUsec: 0)))
    }

    @Test(arguments: [
        (#","seqnum":"7""#, "seqnum"), (#","seqnum":-1"#, "seqnum"), (#","seqnum":1.5"#, "seqnum"),
        (#","seqnum":18446744073709551616"#, "seqnum"), (#","monotonic_usec":9223372036854775808"#, "monotonic_usec"),
        (#","monotonic_usec":"9""#, "monotonic_usec"), (#","devpath":["/x"]"#, "devpath"), (#","action":1"#, "action"),
        (#","subsystem":{}"#, "subsystem"), (#","driver":false"#, "driver"), (#","source":7"#, "source"),
        (#","time":1"#, "time"), (#","escaped":"K""#, "escaped"), (#","escaped":[1]"#, "escaped"),
        (#","escaped":[null]"#, "escaped"),
    ])
    func wrongTypesAreNamed(member: String, field: String) {
        // Put first, so the member wins over the line's own (the first of a repeated key counts).
        let line = "{" + member.dropFirst() + "," + Self.line().dropFirst()
        #expect(parser.parse(Substring(line)) == .invalid("event whose \(field) has the wrong type"))
    }

    @Test(arguments: [#"[]"#, #""x""#, #"7"#, #"{"K":null}"#, #"{"K":1}"#, #"{"K":["v"]}"#])
    func propertiesOfTheWrongTypeAreNamed(_ properties: String) {
        #expect(parser.parse(Substring(Self.line(properties: properties)))
            == .invalid("event whose properties has the wrong type"))
    }

    @Test func typeAndSchemaOfTheWrongTypeAreInvalid() {
        #expect(parser.parse(#"{"type":5,"schema":1}"#) == .invalid("type is not a string"))
        #expect(parser.parse(#"{"type":"event","schema":"1"}"#) == .invalid("schema is not an integer"))
        #expect(parser.parse(#"{"type":"probe","schema":1.5}"#) == .invalid("schema is not an integer"))
        #expect(parser.parse(#"{"type":"probe","schema":99999999999999999999}"#) == .invalid("schema is not an integer"))
    }

    @Test func numbersAreCheckedForRange() {
        let maxSeqnum = "{" + #""seqnum":18446744073709551615,"# + Self.line().dropFirst()
        #expect(event(maxSeqnum)?.seqnum == .max)
        let integral = "{" + #""seqnum":1.5e1,"monotonic_usec":100e-2,"# + Self.line().dropFirst()
        #expect(event(integral)?.seqnum == 15)
        #expect(event(integral)?.received.monotonicUsec == 1)
        let negativeZero = "{" + #""seqnum":-0,"# + Self.line().dropFirst()
        #expect(event(negativeZero)?.seqnum == 0)
        for usec in ["-1", "9007199254740993", "9223372036854775807", "-9223372036854775808"] {
            let line = "{" + #""monotonic_usec":"# + usec + "," + Self.line().dropFirst()
            #expect(parser.parse(Substring(line)) == .invalid("event with monotonic_usec out of range"))
        }
    }

    @Test func sourceDefaultsToReplayAndTimeMayBeAnyRFC3339() {
        let line = Self.line().replacingOccurrences(of: #""kernel""#, with: #""netlink""#)
            .replacingOccurrences(of: "2026-01-02T03:04:05.000006Z", with: "2026-01-02T05:04:05.5+02:00")
        #expect(event(line)?.source == .replay)
        #expect(event(line)?.received.realtimeUsec == 1_767_323_045_500_000)
        let badTime = Self.line().replacingOccurrences(of: "2026-01-02T03:04:05.000006Z", with: "yesterday")
        #expect(event(badTime)?.received.realtimeUsec == nil)
    }

    @Test func eventChecksStay() {
        #expect(parser.parse(Substring(Self.line().replacingOccurrences(of: #""add""#, with: #""boom""#)))
            == .invalid("event without a known action"))
        #expect(parser.parse(#"{"type":"event","schema":1,"devpath":"/x"}"#) == .invalid("event without a known action"))
        #expect(parser.parse(#"{"type":"event","schema":1,"action":"add"}"#) == .invalid("event without devpath"))
        for action in UEventAction.allCases {
            var name = action.rawValue
            #expect(name.withUTF8 { UEventAction(bytes: UnsafeRawBufferPointer($0)) } == action)
        }
    }

    // MARK: - Records other than events, newer schemas

    @Test func otherRecordsAreOnlyChecked() {
        #expect(parser.parse(#"{"type":"probe","schema":1,"devpath":7,"seqnums":[1,2],"time":null}"#) == .otherRecord)
        #expect(parser.parse(#"{"schema":1,"type":"race","devpath":7}"#) == .otherRecord)
        #expect(parser.parse(#"{"type":null,"schema":1,"action":"add","devpath":"/x"}"#) == .otherRecord)
        #expect(parser.parse(#"{"schema":1,"action":"add","devpath":"/x"}"#) == .otherRecord)
        #expect(isNotJSON(#"{"type":"probe","schema":1,"devpath":"\x"}"#))
        #expect(isNotJSON(#"{"type":"probe","schema":1,"seqnums":[1,2}"#))
    }

    /// The envelope RecordEncoder writes is taken in one comparison; anything close to it but not the
    /// same reads as it did member by member.
    @Test func envelopesNearTheEncodersReadMemberByMember() {
        #expect(parser.parse(#"{"type":"event","schema":10,"action":"add"}"#) == .newerSchema(10))
        #expect(parser.parse(#"{"type":"event","schema":1}"#) == .invalid("event without a known action"))
        #expect(parser.parse(#"{"type":"events","schema":1,"action":"add","devpath":"/x"}"#) == .otherRecord)
        #expect(parser.parse(#"{"type":"event", "schema":1,"action":"add","devpath":"/x"}"#)
            == parser.parse(#"{"type":"event","schema":1,"action":"add","devpath":"/x"}"#))
    }

    @Test func newerSchemasWinOverChangedTypes() {
        #expect(parser.parse(#"{"type":"event","schema":2,"seqnum":"x","properties":[1],"action":5}"#) == .newerSchema(2))
        #expect(parser.parse(#"{"schema":2,"time":1}"#) == .newerSchema(2))
        #expect(parser.parse(#"{"type":{"v":2},"schema":3}"#) == .newerSchema(3))
        #expect(parser.parse(#"{"type":"event","seqnum":"x","schema":2e0}"#) == .newerSchema(2))
        #expect(isNotJSON(#"{"type":"event","schema":2,"seqnum":x}"#))  // still has to be JSON
    }

    // MARK: - Repeated keys, property order

    @Test func ofARepeatedKeyTheFirstCounts() {
        let repeated = "{" + #""action":"remove","schema":1,"seqnum":1,"devpath":"/first","# + Self.line().dropFirst()
        #expect(event(repeated)?.action == .remove)
        #expect(event(repeated)?.seqnum == 1)
        #expect(event(repeated)?.devpath == "/first")
        #expect(parser.parse(#"{"type":"probe","schema":1,"type":"event","action":"add","devpath":"/x"}"#) == .otherRecord)
        #expect(parser.parse(#"{"type":"event","schema":1,"schema":7,"action":"add","devpath":"/x"}"#) != .newerSchema(7))
    }

    @Test func propertiesAreSortedAndOfARepeatedNameTheFirstIsKept() {
        let read = event(Self.line(properties: #"{"B":"1","A":"2","B":"3","C":"4","A":"5","e\u0301":"6","é":"7"}"#))
        #expect(read?.properties.names == ["A", "B", "C", "é"])
        #expect(read?.properties["A"] == "2")
        #expect(read?.properties["B"] == "1")
        #expect(read?.properties["é"] == "6")  // canonically equivalent names are one name, as in a Dictionary
        let sorted = event(Self.line(properties: #"{"A":"1","AB":"2","B":"3","B":"4","b":"5"}"#))
        #expect(sorted?.properties.names == ["A", "AB", "B", "b"])
        #expect(sorted?.properties["B"] == "3")
    }

    @Test func escapedKeysAreReadInTheirOrder() {
        #expect(event(Self.line(#","escaped":["Z","A"]"#))?.escapedKeys == ["Z", "A"])
        #expect(event(Self.line(#","escaped":[]"#))?.escapedKeys == [])
    }

    @Test func thousandsOfPropertiesTakeLinearTime() {
        for order in [false, true] {
            func line(_ count: Int) -> String {
                var names = (0..<count).map { String(format: "K%05d", $0) }
                if order { names.reverse() }
                let members = names.map { #""\#($0)":"v\#($0)""# } + [#""K00007":"again""#]
                return Self.line(properties: "{" + members.joined(separator: ",") + "}")
            }
            let (small, large) = (line(8_250), line(33_000))
            let ratio = growthRatio(small: { _ = event(small) }, large: { _ = event(large) })
            #expect(ratio < 10, "4x the properties took \(ratio)x the time")  // quadratic: about 16x
            let read = event(large)
            #expect(read?.properties.count == 33_000)
            #expect(read?.properties["K00007"] == "vK00007")
            #expect(read?.properties.names.first == "K00000")
        }
    }
}

/// A small deterministic generator for shuffles (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var value = state
        value = (value ^ (value >> 30)) &* 0xbf58_476d_1ce4_e5b9
        value = (value ^ (value >> 27)) &* 0x94d0_49bb_1331_11eb
        return value ^ (value >> 31)
    }
}
