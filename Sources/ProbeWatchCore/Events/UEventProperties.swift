/// A uevent's KEY=VALUE pairs in the order the kernel sent them, as UTF-8 bytes in one buffer: each name
/// and value with a 4-byte length before it. One allocation per event, and the JSON log copies the bytes
/// straight from it; a String is made only for a key someone asks for. Lookups scan: uevents carry a
/// handful of keys, and hashing each one per event would cost more than the scan.
public struct UEventProperties: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    private var storage = PropertyBytes()
    public private(set) var count = 0
    /// Every name and value is ASCII a JSON string takes as it is, as the decoder that filled the storage
    /// found (`JSONEscaping.CopyingScan`): the log then copies them without looking again. False when unknown,
    /// and after any change.
    public private(set) var isPlainASCII = false

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    public init(_ pairs: some Sequence<(String, String)>) {
        for (name, value) in pairs { self[name] = value }
    }

    /// Fills storage of a size known in advance, in one allocation: `fill` appends bytes that are UTF-8
    /// (the caller has checked) and must fit `utf8ByteCount` (`storageBytes(nameCount:valueCount:)` summed).
    /// `plainASCII`: the caller has checked that every byte is `JSONEscaping.ByteClass.plainASCII`.
    public init(utf8ByteCount: Int, plainASCII: Bool = false, _ fill: (inout Builder) -> Void) {
        self.init(filling: utf8ByteCount, fill)
        isPlainASCII = plainASCII
    }

    /// The same for bytes not checked yet, appended with `Builder.appendChecking`: each byte is checked
    /// as it is copied. Nil when a byte is 0x80 or above, which need not be UTF-8: the caller decodes such
    /// properties another way.
    public init?(checkingUTF8ByteCount utf8ByteCount: Int, _ fill: (inout Builder) -> Void) {
        var byteClass = JSONEscaping.ByteClass.nonASCII
        self.init(filling: utf8ByteCount) { builder in
            fill(&builder)
            byteClass = builder.scan.byteClass
        }
        guard byteClass != .nonASCII else { return nil }
        isPlainASCII = byteClass == .plainASCII
    }

    private init(filling utf8ByteCount: Int, _ fill: (inout Builder) -> Void) {
        var count = 0
        storage = PropertyBytes(capacity: utf8ByteCount) { buffer in
            var builder = Builder(buffer: buffer)
            fill(&builder)
            count = builder.count
            return builder.used
        }
        self.count = count
    }

    /// For a builder that does not know the size yet: one allocation instead of a few doublings.
    public mutating func reserveCapacity(bytes: Int) {
        storage.reserveCapacity(bytes)
    }

    /// What one property takes in storage.
    public static func storageBytes(nameCount: Int, valueCount: Int) -> Int {
        8 + nameCount + valueCount
    }

    /// Appends into `init(utf8ByteCount:_:)`'s storage; a property that would not fit is left out.
    public struct Builder: ~Copyable {
        fileprivate let buffer: UnsafeMutableBufferPointer<UInt8>
        fileprivate var used = 0
        fileprivate var count = 0
        /// What `appendChecking` copied so far.
        fileprivate var scan = JSONEscaping.CopyingScan()

        public mutating func append(utf8Name name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            guard used + storageBytes(nameCount: name.count, valueCount: value.count) <= buffer.count else { return }
            put(name)
            put(value)
            count += 1
        }

        private mutating func put(_ bytes: UnsafeBufferPointer<UInt8>) {
            used += UEventProperties.writeField(bytes, to: buffer.baseAddress! + used)
        }

        /// As `append`, for `init?(checkingUTF8ByteCount:_:)`: the bytes are checked as they are copied.
        public mutating func appendChecking(utf8Name name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
            guard used + storageBytes(nameCount: name.count, valueCount: value.count) <= buffer.count else { return }
            putChecking(name)
            putChecking(value)
            count += 1
        }

        @inline(__always)
        private mutating func putChecking(_ bytes: UnsafeBufferPointer<UInt8>) {
            let target = UnsafeMutableRawPointer(buffer.baseAddress! + used)
            target.storeBytes(of: UEventProperties.lengthPrefix(bytes.count), as: UInt32.self)
            scan.copy(bytes, to: target + 4)
            used += 4 + bytes.count
        }
    }

    /// A field as stored, its length (little-endian) and then its bytes; returns how many bytes that is.
    fileprivate static func writeField(_ bytes: UnsafeBufferPointer<UInt8>, to target: UnsafeMutablePointer<UInt8>) -> Int {
        UnsafeMutableRawPointer(target).storeBytes(of: lengthPrefix(bytes.count), as: UInt32.self)
        if let source = bytes.baseAddress { (target + 4).update(from: source, count: bytes.count) }
        return 4 + bytes.count
    }

    @inline(__always)
    fileprivate static func lengthPrefix(_ count: Int) -> UInt32 {
        precondition(count <= UInt32.max, "a uevent property of 4 GiB")  // the length prefix's limit
        return UInt32(truncatingIfNeeded: count).littleEndian
    }

    public subscript(name: String) -> String? {
        get {
            guard let range = range(ofValueFor: name) else { return nil }
            return storage.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
        }
        set {
            isPlainASCII = false
            if let found = range(ofPropertyNamed: name) {
                guard let newValue else {
                    storage.replaceSubrange(found, with: UnsafeBufferPointer(start: nil, count: 0))
                    count -= 1
                    return
                }
                // The value only: the stored name stays (it may be a canonically equivalent spelling).
                var valueStart = found.lowerBound
                storage.withUnsafeBufferPointer { _ = Self.field(in: $0, at: &valueStart) }
                var value = newValue
                value.withUTF8 { bytes in
                    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 4 + bytes.count) { field in
                        let count = Self.writeField(bytes, to: field.baseAddress!)
                        storage.replaceSubrange(valueStart..<found.upperBound, with: UnsafeBufferPointer(rebasing: field[..<count]))
                    }
                }
            } else if let newValue {
                appendUnique(name, newValue)
            }
        }
    }

    /// Appends without looking for an earlier key: for sources that cannot repeat keys (libudev).
    public mutating func appendUnique(_ name: String, _ value: String) {
        var (name, value) = (name, value)
        name.withUTF8 { name in value.withUTF8 { appendUnique(utf8Name: name, value: $0) } }
    }

    /// The same from bytes that are valid UTF-8, which the caller has checked. Assembled on the stack and
    /// appended once: four appends to the array cost more than the copy.
    public mutating func appendUnique(utf8Name name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) {
        let bytes = Self.storageBytes(nameCount: name.count, valueCount: value.count)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes) { buffer in
            var builder = Builder(buffer: buffer)
            builder.append(utf8Name: name, value: value)
            storage.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<builder.used]))
        }
        count += 1
        isPlainASCII = false
    }

    /// Whether the named property's value is exactly the bytes of `other`, without making a String: a
    /// caller that keeps the value can skip replacing it with an identical one.
    public func value(named name: String, isByteForByte other: String) -> Bool {
        guard let range = range(ofValueFor: name) else { return false }
        return storage.withUnsafeBufferPointer { bytes in
            let value = UnsafeBufferPointer(rebasing: bytes[range])
            return other.utf8.withContiguousStorageIfAvailable { UTF8Bytes.same($0, value) }
                ?? other.utf8.elementsEqual(value)
        }
    }

    /// Every property as bytes, in order, without making Strings.
    public func forEachUTF8(_ body: (_ name: UnsafeBufferPointer<UInt8>, _ value: UnsafeBufferPointer<UInt8>) -> Void) {
        storage.withUnsafeBufferPointer { bytes in
            var offset = 0
            while offset < bytes.count {
                let name = Self.field(in: bytes, at: &offset)
                let value = Self.field(in: bytes, at: &offset)
                body(name, value)
            }
        }
    }

    public var names: [String] { map(\.name) }

    public func makeIterator() -> AnyIterator<Property> {
        var offset = 0
        let storage = storage
        return AnyIterator {
            guard offset < storage.count else { return nil }
            return storage.withUnsafeBufferPointer { bytes in
                let name = String(decoding: Self.field(in: bytes, at: &offset), as: UTF8.self)
                let value = String(decoding: Self.field(in: bytes, at: &offset), as: UTF8.self)
                return Property(name: name, value: value)
            }
        }
    }

    private static func field(in bytes: UnsafeBufferPointer<UInt8>, at offset: inout Int) -> UnsafeBufferPointer<UInt8> {
        let length = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
            | Int(bytes[offset + 3]) << 24
        let start = offset + 4
        offset = start + length
        return UnsafeBufferPointer(rebasing: bytes[start..<offset])
    }

    /// Where the named property's value lies in `storage`.
    private func range(ofValueFor name: String) -> Range<Int>? {
        guard let whole = range(ofPropertyNamed: name) else { return nil }
        var offset = whole.lowerBound
        return storage.withUnsafeBufferPointer { bytes in
            _ = Self.field(in: bytes, at: &offset)
            let start = offset + 4
            return start..<whole.upperBound
        }
    }

    /// Where the named property (its name's length through its value's end) lies in `storage`. Names
    /// compare as Strings do, canonically equivalent ones as equal (as the keys of a replayed JSON object
    /// did); only a name that is not ASCII needs more than a byte comparison for that.
    private func range(ofPropertyNamed name: String) -> Range<Int>? {
        var name = name
        return name.withUTF8 { wanted in
            let isASCII = wanted.allSatisfy { $0 < 0x80 }
            // Every name here is ASCII: checking each candidate's bytes again cost more than the search.
            let namesAreASCII = isPlainASCII
            return storage.withUnsafeBufferPointer { bytes in
                var offset = 0
                while offset < bytes.count {
                    let start = offset
                    let candidate = Self.field(in: bytes, at: &offset)
                    _ = Self.field(in: bytes, at: &offset)
                    if UTF8Bytes.same(candidate, wanted) { return start..<offset }
                    // An ASCII name can equal a non-ASCII one ("K" and U+212A KELVIN SIGN): bytes decide only
                    // when both are ASCII.
                    if !(isASCII && (namesAreASCII || candidate.allSatisfy { $0 < 0x80 })),
                       String(decoding: candidate, as: UTF8.self) == String(decoding: wanted, as: UTF8.self) {
                        return start..<offset
                    }
                }
                return nil
            }
        }
    }
}

extension UEventProperties: Equatable {
    /// Order does not matter: a replayed JSON object does not keep it.
    public static func == (lhs: UEventProperties, rhs: UEventProperties) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.name] == $0.value }
    }
}
