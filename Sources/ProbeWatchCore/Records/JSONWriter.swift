/// Appends JSON to a byte buffer. Hand-written because one line is encoded per uevent on the daemon's hot
/// path, where Foundation's JSONEncoder costs several times libudev's own receive (see Benchmarks/).
struct JSONWriter {
    var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    /// Continues an existing buffer (the sink's), so a record is encoded in place, not copied.
    init(appendingTo buffer: [UInt8]) {
        bytes = buffer
    }

    mutating func beginObject() {
        separate()
        bytes.append(0x7b)
        needsComma = false
    }

    mutating func endObject() {
        bytes.append(0x7d)
        needsComma = true
    }

    mutating func key(_ name: String) {
        separate()
        appendString(name)
        bytes.append(0x3a)
        needsComma = false
    }

    /// A key known at compile time to need no escaping.
    mutating func key(_ name: StaticString) {
        separate()
        bytes.append(0x22)
        bytes.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
        bytes.append(0x22)
        bytes.append(0x3a)
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        appendString(value)
        needsComma = true
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        if value < 0 {
            bytes.append(0x2d)
            appendDigits(UInt64(-Int64(value)))
        } else {
            appendDigits(UInt64(value))
        }
        needsComma = true
    }

    /// RFC 3339 time as a JSON string, written without intermediate strings.
    mutating func time(realtimeUsec: Int64) {
        separate()
        bytes.append(0x22)
        RFC3339.append(realtimeUsec: realtimeUsec, to: &bytes)
        bytes.append(0x22)
        needsComma = true
    }

    private mutating func appendDigits(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = 0x30 + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for index in stride(from: count - 1, through: 0, by: -1) { bytes.append(buffer[index]) }
        }
    }

    mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    mutating func field(_ name: StaticString, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    mutating func field<T: BinaryInteger>(_ name: StaticString, _ value: T?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    mutating func field(_ name: StaticString, ints: [UInt64]) {
        key(name)
        bytes.append(0x5b)
        needsComma = false
        for value in ints { int(value) }
        bytes.append(0x5d)
        needsComma = true
    }

    mutating func field(_ name: StaticString, strings: [String]) {
        key(name)
        bytes.append(0x5b)
        needsComma = false
        for value in strings { string(value) }
        bytes.append(0x5d)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { bytes.append(0x2c) }
    }

    private mutating func appendString(_ value: String) {
        bytes.append(0x22)
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            var index = 0
            while index < utf8.count {
                let byte = utf8[index]
                if byte < 0x20 || byte == 0x22 || byte == 0x5c {
                    bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                    appendEscape(byte)
                    start = index + 1
                }
                index += 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(0x22)
    }

    private mutating func appendEscape(_ byte: UInt8) {
        switch byte {
        case 0x22: bytes.append(contentsOf: [0x5c, 0x22])
        case 0x5c: bytes.append(contentsOf: [0x5c, 0x5c])
        case 0x0a: bytes.append(contentsOf: [0x5c, 0x6e])
        case 0x09: bytes.append(contentsOf: [0x5c, 0x74])
        case 0x0d: bytes.append(contentsOf: [0x5c, 0x72])
        default:
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [0x5c, 0x75, 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xf)]])
        }
    }
}
