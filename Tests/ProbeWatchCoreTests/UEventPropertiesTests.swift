import Testing
@testable import ProbeWatchCore

@Suite("Uevent properties: one byte buffer, kernel order, lookups, JSON straight from the bytes")
struct UEventPropertiesTests {
    @Test func keepsTheOrderTheyCameIn() {
        var properties = UEventProperties()
        properties.appendUnique("ACTION", "add")
        properties.appendUnique("DEVPATH", "/devices/x")
        properties.appendUnique("SEQNUM", "7")
        #expect(properties.names == ["ACTION", "DEVPATH", "SEQNUM"])
        #expect(properties.count == 3)
        #expect(properties["DEVPATH"] == "/devices/x")
        #expect(properties["DEVPATH_OLD"] == nil)
        #expect(properties["DEV"] == nil)
    }

    @Test func settingAKeyReplacesItInPlaceAndNilRemovesIt() {
        var properties: UEventProperties = ["A": "1", "B": "2", "C": "3"]
        properties["B"] = "a much longer value than before"
        properties["D"] = "4"
        #expect(properties.names == ["A", "B", "C", "D"])
        #expect(properties["B"] == "a much longer value than before")
        properties["A"] = nil
        properties["Z"] = nil
        #expect(properties.names == ["B", "C", "D"])
        #expect(properties.count == 3)
        #expect(properties["C"] == "3")
    }

    /// Names compare as Strings do: canonically equivalent spellings are one name, also when one is ASCII
    /// ("K" and U+212A KELVIN SIGN), and setting a value keeps the name as it was stored.
    @Test func canonicallyEquivalentNamesAreOneName() {
        var properties = UEventProperties()
        properties.appendUnique("\u{212A}EY", "1")
        properties.appendUnique("e\u{301}", "2")
        #expect(properties["KEY"] == "1")
        #expect(properties["é"] == "2")
        properties["KEY"] = "3"
        properties["é"] = "4"
        #expect(properties.count == 2)
        #expect(properties.names.map { Array($0.unicodeScalars) } == [Array("\u{212A}EY".unicodeScalars), Array("e\u{301}".unicodeScalars)])
        #expect(properties["\u{212A}EY"] == "3" && properties["e\u{301}"] == "4")
        let ascii: UEventProperties = ["KEY": "3", "é": "4"]
        #expect(properties == ascii && ascii == properties)
    }

    /// Storage the decoder marked plain ASCII is searched by bytes alone, but a non-ASCII name that is
    /// canonically equivalent to a stored one still finds it.
    @Test func plainASCIIStorageIsFoundByBytesAndByEquivalentNames() {
        let plain = EncoderFastPathTests.builtPlain(["KEY": "1", "MODALIAS": "pci:v1", "SEQNUM": "7"])
        #expect(plain.isPlainASCII)
        #expect(plain["MODALIAS"] == "pci:v1" && plain["SEQNUM"] == "7" && plain["KEY"] == "1")
        #expect(plain["\u{212A}EY"] == "1")
        #expect(plain["KE"] == nil && plain["KEYS"] == nil && plain["\u{212A}E"] == nil)
    }

    @Test func valuesMayHoldAnyCharacterEvenNUL() {
        let odd = "a\u{0}b=c\nä😀"
        var properties = UEventProperties()
        properties.appendUnique("X", odd)
        properties.appendUnique("", "")
        #expect(properties["X"] == odd)
        #expect(properties[""] == "")
        #expect(Array(properties) == [.init(name: "X", value: odd), .init(name: "", value: "")])
    }

    @Test func theSizedBuilderMatchesAppendingOneByOne() {
        let pairs = [("ACTION", "bind"), ("DEVPATH", "/devices/platform/x"), ("DRIVER", "x")]
        let size = pairs.reduce(0) { $0 + UEventProperties.storageBytes(nameCount: $1.0.utf8.count, valueCount: $1.1.utf8.count) }
        let built = UEventProperties(utf8ByteCount: size) { builder in
            for (name, value) in pairs {
                Array(name.utf8).withUnsafeBufferPointer { nameBytes in
                    Array(value.utf8).withUnsafeBufferPointer { builder.append(utf8Name: nameBytes, value: $0) }
                }
            }
        }
        var appended = UEventProperties()
        for (name, value) in pairs { appended.appendUnique(name, value) }
        #expect(built == appended)
        #expect(built.names == appended.names)
    }

    @Test func aBuilderTooSmallLeavesOutWhatDoesNotFit() {
        let built = UEventProperties(utf8ByteCount: 12) { builder in
            Array("AB".utf8).withUnsafeBufferPointer { builder.append(utf8Name: $0, value: $0) }
            Array("CD".utf8).withUnsafeBufferPointer { builder.append(utf8Name: $0, value: $0) }
        }
        #expect(built.names == ["AB"])
        #expect(built.count == 1)
    }

    @Test func equalityIgnoresOrder() {
        let one: UEventProperties = ["A": "1", "B": "2"]
        let other: UEventProperties = ["B": "2", "A": "1"]
        #expect(one == other)
        #expect(one != ["A": "1", "B": "3"])
        #expect(one != ["A": "1"])
    }

    @Test func theEventLineCarriesEveryPropertyEscaped() throws {
        var properties = UEventProperties()
        properties.appendUnique("ACTION", "add")
        properties.appendUnique("Q\"", "tab\there\u{1}\\")
        let event = UEvent(action: .add, devpath: "/devices/x", properties: properties,
                           received: EventTime(realtimeUsec: 0, monotonicUsec: 1))
        let encoder = RecordEncoder(context: RecordContext(bootID: "b", host: "h"))
        let line = String(decoding: encoder.line(for: .event(event, invalid: nil), nowRealtimeUsec: 0), as: UTF8.self)
        #expect(line.contains(#""properties":{"ACTION":"add","Q\"":"tab\there\u0001\\"}"#))
        #expect(line.hasSuffix("}\n"))
    }

    /// `CopyingScan` on `bytes`: what it found, once it is checked that it copied them exactly and wrote
    /// nothing outside the target.
    func copiedClass(_ bytes: [UInt8]) -> JSONEscaping.ByteClass {
        var scan = JSONEscaping.CopyingScan()
        var target = [UInt8](repeating: 0xa5, count: bytes.count + 16)
        bytes.withUnsafeBufferPointer { source in
            target.withUnsafeMutableBytes { scan.copy(source, to: $0.baseAddress! + 8) }
        }
        #expect(Array(target[8..<8 + bytes.count]) == bytes)
        #expect(target[..<8].allSatisfy { $0 == 0xa5 } && target[(8 + bytes.count)...].allSatisfy { $0 == 0xa5 })
        return scan.byteClass
    }

    /// `isPlain` and `CopyingScan` (the live decoder's check) against byte-by-byte answers.
    @Test func theWordAtATimeEscapeChecksAgreeWithTheByteCheck() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<200 {
                // Mostly printable bytes, with the odd quote, backslash, control or high byte.
                let bytes = (0..<length).map { _ -> UInt8 in
                    let pick = UInt8.random(in: 0...255, using: &generator)
                    return pick < 230 ? UInt8.random(in: 0x20...0x7e, using: &generator) : pick
                }
                let plain = !bytes.contains(where: JSONEscaping.needsEscape)
                #expect(bytes.withUnsafeBufferPointer(JSONEscaping.isPlain) == plain, "\(bytes)")
                let expected: JSONEscaping.ByteClass = bytes.contains { $0 >= 0x80 } ? .nonASCII
                    : plain ? .plainASCII : .ascii
                #expect(copiedClass(bytes) == expected, "\(bytes)")
            }
        }
        for special: UInt8 in [0x00, 0x1f, 0x22, 0x5c] {
            for position in 0..<17 {
                var bytes = [UInt8](repeating: 0x41, count: 17)
                bytes[position] = special
                #expect(!bytes.withUnsafeBufferPointer(JSONEscaping.isPlain))
                #expect(copiedClass(bytes) == .ascii)
            }
        }
        #expect([UInt8](repeating: 0x20, count: 16).withUnsafeBufferPointer(JSONEscaping.isPlain))
        #expect([UInt8](repeating: 0xff, count: 16).withUnsafeBufferPointer(JSONEscaping.isPlain))
    }

    /// The scan's answer covers every copy: the worst of them.
    @Test func theCopyingScanAnswersForAllItsCopies() {
        func scanned(_ parts: [[UInt8]]) -> JSONEscaping.ByteClass {
            var scan = JSONEscaping.CopyingScan()
            var target = [UInt8](repeating: 0, count: 64)
            for part in parts {
                part.withUnsafeBufferPointer { source in target.withUnsafeMutableBytes { scan.copy(source, to: $0.baseAddress!) } }
            }
            return scan.byteClass
        }
        #expect(scanned([]) == .plainASCII)
        #expect(scanned([Array("ACTION".utf8), Array("add".utf8)]) == .plainASCII)
        #expect(scanned([Array("A".utf8), [0x22], Array("add".utf8)]) == .ascii)
        #expect(scanned([Array("A".utf8), [0x22], [0xc3, 0xa9], Array("add".utf8)]) == .nonASCII)
    }

    /// Properties copied with the check: plain ones marked plain, escapes found, bytes above 0x7f refused.
    @Test func propertiesCopiedWithTheCheckSayWhatTheyHold() {
        func built(_ pairs: [(String, String)]) -> UEventProperties? {
            let size = pairs.reduce(0) { $0 + UEventProperties.storageBytes(nameCount: $1.0.utf8.count, valueCount: $1.1.utf8.count) }
            return UEventProperties(checkingUTF8ByteCount: size) { builder in
                for (name, value) in pairs {
                    Array(name.utf8).withUnsafeBufferPointer { name in
                        Array(value.utf8).withUnsafeBufferPointer { builder.appendChecking(utf8Name: name, value: $0) }
                    }
                }
            }
        }
        let plain = built([("ACTION", "add"), ("DEVPATH", "/devices/virtual/pwtest/a-long-enough-path"), ("A", "")])
        #expect(plain?.isPlainASCII == true && plain?.count == 3)
        #expect(plain?["DEVPATH"] == "/devices/virtual/pwtest/a-long-enough-path" && plain?["A"] == "")
        let escaped = built([("ACTION", "add"), ("NOTE", "tab\there")])
        #expect(escaped?.isPlainASCII == false && escaped?["NOTE"] == "tab\there")
        #expect(built([("ACTION", "add"), ("NAME", "caf\u{e9}")]) == nil)
    }

    @Test func integersAtTheirLimitsAreWritten() {
        var json = JSONWriter()
        json.beginObject()
        json.field("min", Int64.min)
        json.field("max", UInt64.max)
        json.field("zero", 0)
        json.endObject()
        let text = json.withBytes { String(decoding: $0, as: UTF8.self) }
        #expect(text == #"{"min":-9223372036854775808,"max":18446744073709551615,"zero":0}"#)
    }
}
