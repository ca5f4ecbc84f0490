/// Strings hashed and compared by their UTF-8 bytes, for the tracker's DEVPATH keys (`DeviceKey`), and the
/// byte comparison property lookups use.
///
/// The kernel names kobjects by bytes: `/devices/caf\u{e9}` and `/devices/cafe\u{301}` are two directories
/// in sysfs, while String's `==` calls them equal (Unicode canonical equivalence). And String's hash runs
/// SipHash over normalized bytes, about 400 instructions for a DEVPATH, where a word-at-a-time multiply
/// hash takes a third of that; every event looks its device up once or twice.
enum UTF8Bytes {
    /// Random per process, as Hasher's own seed is (and fixed when SWIFT_DETERMINISTIC_HASHING is set):
    /// keys cannot be chosen in advance to collide.
    private static let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0x7072_6f62_6577_6174 as UInt64)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }()

    private static let multiplier: UInt64 = 0x9e37_79b9_7f4a_7c15

    static func hash(_ text: String) -> Int {
        withBytes(text) { bytes in
            var state = seed ^ UInt64(bytes.count) &* multiplier
            WordScan.forEachWord(of: bytes) { word in
                state = (state ^ word) &* multiplier
                state ^= state >> 29
            }
            return Int(truncatingIfNeeded: finalized(state))
        }
    }

    /// Inlined: as a call, Dictionary's probe loop retained both keys' storage around it.
    @inline(__always)
    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && withBytes(lhs) { left in withBytes(rhs) { same(left, $0) } }
    }

    /// A kept hash as Dictionary wants it for one of its tables (`_rawHashValue(seed:)`): its buckets are
    /// the low bits, so the seed is mixed through the whole word.
    @inline(__always)
    static func mixed(_ hash: Int, seed: Int) -> Int {
        Int(truncatingIfNeeded: finalized(UInt64(truncatingIfNeeded: hash ^ seed)))
    }

    /// MurmurHash3's 64-bit finalizer: every input bit moves about half the output bits.
    @inline(__always)
    private static func finalized(_ value: UInt64) -> UInt64 {
        var state = value
        state ^= state >> 33
        state &*= 0xff51_afd7_ed55_8ccd
        state ^= state >> 33
        state &*= 0xc4ce_b9fe_1a85_ec53
        return state ^ state >> 33
    }

    /// Byte equality, a word at a time (`elementsEqual` went through an iterator, some 30 instructions a
    /// byte), the last partial word as one.
    static func same(_ left: UnsafeBufferPointer<UInt8>, _ right: UnsafeBufferPointer<UInt8>) -> Bool {
        guard left.count == right.count else { return false }
        guard let leftBase = left.baseAddress, let rightBase = right.baseAddress else { return true }  // both empty
        let (a, b) = (UnsafeRawPointer(leftBase), UnsafeRawPointer(rightBase))
        var offset = 0
        while left.count - offset >= 8 {
            if a.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                != b.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
            offset += 8
        }
        let rest = left.count - offset
        return rest == 0 || WordScan.tail(a + offset, count: rest) == WordScan.tail(b + offset, count: rest)
    }

    /// Native and small Strings always have contiguous UTF-8; anything else is copied into one that has.
    @inline(__always)
    private static func withBytes<Result>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = text
        return copy.withUTF8(body)
    }
}
