/// Appends JSON to a byte buffer of its own. Hand-written because one line is encoded per uevent on the
/// daemon's hot path, where Foundation's JSONEncoder costs several times libudev's own receive (see
/// Benchmarks/). The buffer is raw memory, not an Array: an Array append checks uniqueness and capacity
/// each time, and a line is some sixty appends. A sink keeps one writer as its output buffer, so lines
/// are encoded where they are written from, with no allocation or copy per record.
public struct JSONWriter: ~Copyable {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    public private(set) var count = 0
    private var needsComma = false
    private var times = RFC3339.SecondCache()

    public init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit {
        start.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    /// What was written.
    public func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: start, count: count))
    }

    /// Drops everything from `offset` on (a line being rewritten, or written out); the next value starts
    /// a line.
    public mutating func truncate(to offset: Int) {
        precondition((0...count).contains(offset), "truncating past the end")
        count = offset
        needsComma = false
    }

    public mutating func removeAll() {
        truncate(to: 0)
    }

    /// Ends a line: the next value starts a new one.
    public mutating func newline() {
        append(0x0a)
        needsComma = false
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    /// Raw bytes, such as whole lines encoded elsewhere.
    @inline(__always)
    public mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (start + count).update(from: base, count: bytes.count)
        count += bytes.count
    }

    @inline(__always)
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

    /// A key from a String. (Labelled: a literal would otherwise pick this over the StaticString one.)
    mutating func key(string name: String) {
        separate()
        appendString(name)
        append(0x3a)
        needsComma = false
    }

    /// A key known at compile time to need no escaping: `,"name":` in one write.
    @inline(__always)
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

    /// Object members encoded beforehand (`"a":1,"b":2`), such as those every record repeats.
    mutating func members(encoded: UnsafeBufferPointer<UInt8>) {
        separate()
        append(encoded)
        needsComma = true
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

    /// `"name":"value"` from bytes the caller knows need no escaping (`JSONEscaping.ByteClass.plainASCII`),
    /// in one write: the properties of nearly every uevent.
    mutating func plainMember(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        reserve(name.count + value.count + 6)
        var at = start + count
        if needsComma {
            at.pointee = 0x2c
            at += 1
        }
        at.pointee = 0x22
        at = Self.copy(name, to: at + 1)
        at[0] = 0x22
        at[1] = 0x3a
        at[2] = 0x22
        at = Self.copy(value, to: at + 3)
        at.pointee = 0x22
        count = at + 1 - start
        needsComma = true
    }

    private static func copy(_ bytes: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>)
        -> UnsafeMutablePointer<UInt8> {
        if let base = bytes.baseAddress { target.update(from: base, count: bytes.count) }
        return target + bytes.count
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
        count += 1 + times.write(realtimeUsec: realtimeUsec, to: start + count + 1)
        start[count] = 0x22
        count += 1
        needsComma = true
    }

    private mutating func appendDigits(_ value: UInt64) {
        reserve(DecimalText.maxDigits)
        count += DecimalText.write(value, to: start + count)
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

    /// A string known at compile time to need no escaping.
    mutating func field(_ name: StaticString, literal value: StaticString) {
        key(name)
        append(0x22)
        appendLiteral(value)
        append(0x22)
        needsComma = true
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

    @inline(__always)
    private mutating func separate() {
        if needsComma { append(0x2c) }
    }

    /// Native and small Strings lend their bytes without a copy (and without the retain a `var` costs).
    private mutating func appendString(_ value: String) {
        let lent: Void? = value.utf8.withContiguousStorageIfAvailable { appendString(utf8: $0) }
        if lent == nil {
            var value = value
            value.withUTF8 { appendString(utf8: $0) }
        }
    }

    /// Most strings need no escaping and are copied whole; which ones do is found eight bytes at a time.
    @inline(__always)
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
