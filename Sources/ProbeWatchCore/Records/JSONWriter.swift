/// Appends JSON to a byte buffer of its own. Hand-written because one line is encoded per uevent on the
/// daemon's hot path, where Foundation's JSONEncoder costs several times libudev's own receive (see
/// Benchmarks/). The buffer is raw memory, not an Array: an Array append checks uniqueness and capacity
/// each time, and a line is some sixty appends.
struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0
    private var needsComma = false

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit {
        start.deallocate()
    }

    /// What was written, for the caller's buffer.
    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: start, count: count))
    }

    mutating func append(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (start + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    private mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(toHold: count + extra) }
    }

    @inline(never)
    private mutating func grow(toHold needed: Int) {
        let newCapacity = max(needed, capacity * 2)
        let newStart = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newStart.update(from: start, count: count)
        start.deallocate()
        start = newStart
        capacity = newCapacity
    }

    mutating func beginObject() {
        separate()
        append(0x7b)
        needsComma = false
    }

    mutating func endObject() {
        append(0x7d)
        needsComma = true
    }

    mutating func key(_ name: String) {
        separate()
        appendString(name)
        append(0x3a)
        needsComma = false
    }

    /// A key known at compile time to need no escaping: `,"name":` in one write.
    mutating func key(_ name: StaticString) {
        let length = name.utf8CodeUnitCount
        reserve(length + 4)
        if needsComma {
            start[count] = 0x2c
            count += 1
        }
        start[count] = 0x22
        (start + count + 1).update(from: name.utf8Start, count: length)
        start[count + length + 1] = 0x22
        start[count + length + 2] = 0x3a
        count += length + 3
        needsComma = false
    }

    mutating func string(_ value: String) {
        separate()
        appendString(value)
        needsComma = true
    }

    /// A key from bytes known to be UTF-8 (a uevent property's name).
    mutating func key(utf8 name: UnsafeBufferPointer<UInt8>) {
        separate()
        appendString(utf8: name)
        append(0x3a)
        needsComma = false
    }

    mutating func string(utf8 value: UnsafeBufferPointer<UInt8>) {
        separate()
        appendString(utf8: value)
        needsComma = true
    }

    mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        if value < 0 { append(0x2d) }
        appendDigits(UInt64(value.magnitude))  // the magnitude: negating Int64.min would trap
        needsComma = true
    }

    /// RFC 3339 time as a JSON string, written without intermediate strings.
    mutating func time(realtimeUsec: Int64) {
        separate()
        reserve(RFC3339.maxBytes + 2)
        start[count] = 0x22
        count += 1 + RFC3339.write(realtimeUsec: realtimeUsec, to: start + count + 1)
        start[count] = 0x22
        count += 1
        needsComma = true
    }

    /// Digits are written backwards into the reserved space, then reversed in place.
    private mutating func appendDigits(_ value: UInt64) {
        reserve(20)
        let first = count
        var rest = value
        repeat {
            start[count] = 0x30 + UInt8(rest % 10)
            rest /= 10
            count += 1
        } while rest > 0
        var digits = UnsafeMutableBufferPointer(start: start + first, count: count - first)
        digits.reverse()
    }

    mutating func bool(_ value: Bool) {
        separate()
        appendLiteral(value ? "true" : "false")
        needsComma = true
    }

    mutating func null() {
        separate()
        appendLiteral("null")
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
        append(0x5b)
        needsComma = false
        for value in ints { int(value) }
        append(0x5d)
        needsComma = true
    }

    mutating func field(_ name: StaticString, strings: [String]) {
        key(name)
        append(0x5b)
        needsComma = false
        for value in strings { string(value) }
        append(0x5d)
        needsComma = true
    }

    private mutating func separate() {
        if needsComma { append(0x2c) }
    }

    private mutating func appendString(_ value: String) {
        var value = value
        value.withUTF8 { appendString(utf8: $0) }
    }

    /// Most strings need no escaping and are copied whole; which ones do is found eight bytes at a time.
    private mutating func appendString(utf8: UnsafeBufferPointer<UInt8>) {
        append(0x22)
        if JSONEscaping.isPlain(utf8) {
            append(utf8)
        } else {
            appendEscaped(utf8)
        }
        append(0x22)
    }

    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        var from = 0
        for (index, byte) in utf8.enumerated() where JSONEscaping.needsEscape(byte) {
            append(UnsafeBufferPointer(rebasing: utf8[from..<index]))
            appendEscape(byte)
            from = index + 1
        }
        append(UnsafeBufferPointer(rebasing: utf8[from...]))
    }

    private mutating func appendLiteral(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private mutating func appendEscape(_ byte: UInt8) {
        append(0x5c)
        switch byte {
        case 0x22, 0x5c: append(byte)
        case 0x0a: append(0x6e)
        case 0x09: append(0x74)
        case 0x0d: append(0x72)
        default:
            let hex: StaticString = "0123456789abcdef"
            appendLiteral("u00")
            append(hex.utf8Start[Int(byte >> 4)])
            append(hex.utf8Start[Int(byte & 0xf)])
        }
    }
}
