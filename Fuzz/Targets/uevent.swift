// Fuzz target: kernel uevents as they arrive on the netlink socket.
//
// Input: one or more datagrams, separated by an empty field (`\0\0`, which no valid datagram contains),
// each in the kernel's format: `action@devpath\0KEY=VALUE\0KEY=VALUE\0...`. The framing follows what
// libudev (sd-device-monitor) accepts before probewatch sees the event: the header must contain `@/`,
// every field must be NUL-terminated and contain `=`, a value loses one trailing newline, and a repeated
// key replaces the earlier one. Anything libudev would refuse counts as a malformed message. libudev's
// semantic checks (ACTION known, SEQNUM set, DEVPATH absolute) are deliberately not applied: probewatch's
// own validation must cope without them (replayed captures do not pass through libudev either).
//
// Each field is decoded with UEventDecoding (the check: decoding loses no byte), the event is built with
// UdevDevice.uevent(properties:...), validated, run through EventPipeline, and every record the pipeline
// emits is encoded with RecordEncoder (line length, newline, valid JSON) and read back with
// RecordLineParser (it must be the record that was written).
@testable import ProbeWatch
import ProbeWatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUEvent(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzInput(data, size)
    var harness = PipelineHarness()
    harness.lineCheck = RoundTrip.check
    var monotonic: Int64 = 5_000_000_000
    for (index, message) in datagrams(bytes).enumerated() {
        // 7 ms apart: inside the 20 ms reorder window, and past the 50 ms probe timeout after a few.
        monotonic += 7_000
        let time = EventTime(realtimeUsec: index % 3 == 2 ? nil : 1_700_000_000_000_000 + monotonic,
                             monotonicUsec: monotonic)
        guard let fields = message, let event = uevent(fields, received: time) else {
            harness.malformed()
            continue
        }
        checkValidation(event)
        harness.ingest(event)
    }
    harness.finish()
    return 0
}

/// The datagrams in the input; nil for one libudev would refuse to parse.
private func datagrams(_ bytes: [UInt8]) -> [[ArraySlice<UInt8>]?] {
    var messages: [[ArraySlice<UInt8>]?] = []
    var fields: [ArraySlice<UInt8>] = []
    var start = 0
    for index in bytes.indices where bytes[index] == 0 {
        if index == start {  // an empty field ends the datagram
            if !fields.isEmpty { messages.append(libudevFields(fields)) }
            fields = []
        } else {
            fields.append(bytes[start..<index])
        }
        start = index + 1
    }
    // A field without its NUL: libudev fails the whole datagram ("failed to parse nulstr").
    if start < bytes.count { messages.append(nil) } else if !fields.isEmpty { messages.append(libudevFields(fields)) }
    return messages
}

/// The KEY=VALUE fields after the header, or nil when libudev refuses the datagram.
private func libudevFields(_ fields: [ArraySlice<UInt8>]) -> [ArraySlice<UInt8>]? {
    guard let header = fields.first, contains(header, [0x40, 0x2f]) else { return nil }  // "@/"
    let properties = fields.dropFirst()
    guard properties.allSatisfy({ $0.contains(0x3d) }) else { return nil }  // "="
    return Array(properties)
}

private func contains(_ bytes: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
    guard bytes.count >= needle.count else { return false }
    var index = bytes.startIndex
    while index + needle.count <= bytes.endIndex {
        if bytes[index..<index + needle.count].elementsEqual(needle) { return true }
        index += 1
    }
    return false
}

/// What UdevDevice.uevent(from:) builds from the libudev device, without libudev.
private func uevent(_ fields: [ArraySlice<UInt8>], received: EventTime) -> UEvent? {
    var properties = UEventProperties()
    var escaped: [String] = []
    for field in fields {
        let equals = field.firstIndex(of: 0x3d)!
        var valueBytes = field[(equals + 1)...]
        if valueBytes.last == 0x0a { valueBytes = valueBytes.dropLast() }
        let nameBytes = field[..<equals]
        let (name, nameEscaped) = decodeChecked(nameBytes)
        let (value, valueEscaped) = decodeChecked(valueBytes)
        properties[name] = value
        if nameEscaped || valueEscaped, !escaped.contains(name) { escaped.append(name) }
    }
    let event = UdevDevice.uevent(properties: properties, escapedKeys: escaped, source: .kernel, received: received)
    if let event {
        require(event.action.rawValue == properties["ACTION"], "action \(event.action) from ACTION \(properties["ACTION"] ?? "nil")")
        require(event.devpath == properties["DEVPATH"] ?? "", "devpath differs from DEVPATH")
        require(event.seqnum == properties["SEQNUM"].flatMap { UInt64($0) }, "seqnum differs from SEQNUM")
    } else {
        require(properties["ACTION"].flatMap(UEventAction.init(rawValue:)) == nil, "a known ACTION gave no event")
    }
    return event
}

/// UEventDecoding must keep every byte: valid UTF-8 as is, anything else escaped reversibly.
private func decodeChecked(_ bytes: ArraySlice<UInt8>) -> (String, escaped: Bool) {
    let (text, escaped) = UEventDecoding.decode(bytes)
    if escaped {
        require(String(validating: bytes, as: UTF8.self) == nil, "valid UTF-8 was escaped")
        require(unescape(text) == Array(bytes), "escaping lost bytes: \(Array(bytes)) -> \(text)")
    } else {
        require(Array(text.utf8) == Array(bytes), "decoding changed valid UTF-8")
    }
    return (text, escaped)
}

/// Reverses UEventDecoding.escape: `\xNN` is a byte (a backslash is always written `\x5c`).
private func unescape(_ text: String) -> [UInt8]? {
    let utf8 = Array(text.utf8)
    var bytes: [UInt8] = []
    var index = 0
    while index < utf8.count {
        if utf8[index] == 0x5c {
            guard index + 3 < utf8.count, utf8[index + 1] == 0x78,
                  let byte = UInt8(String(decoding: utf8[index + 2...index + 3], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(byte)
            index += 4
        } else {
            bytes.append(utf8[index])
            index += 1
        }
    }
    return bytes
}

/// What UEventValidation lets through is what the model relies on.
private func checkValidation(_ event: UEvent) {
    guard event.problem == nil else { return }
    let path = event.devpath.utf8
    require(path.first == 0x2f, "a DEVPATH not starting with / passed validation")
    require(path.count <= UEventValidation.maxDevpathBytes, "an over-long DEVPATH passed validation")
    require(!path.contains { $0 < 0x20 || $0 == 0x7f }, "a DEVPATH with control bytes passed validation")
    require(!event.escapedKeys.contains("DEVPATH"), "a non-UTF-8 DEVPATH passed validation")
    let segments = event.devpath.split(separator: "/", omittingEmptySubsequences: false)
    require(!segments.contains { $0 == "." || $0 == ".." }, "a DEVPATH with . or .. passed validation")
}
