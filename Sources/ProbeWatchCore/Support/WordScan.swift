/// Byte tests eight bytes at a time, the classic SWAR ones ("has a zero byte", "has a byte less than n"),
/// for the scans every uevent goes through (JSON escaping, DEVPATH validation). Each test sets the high bit
/// of a byte that matches, and perhaps of bytes after it (a borrow runs upwards from a real match only): a
/// nonzero result answers "does any byte match?" exactly.
enum WordScan {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    @inline(__always)
    static func bytes(below limit: UInt8, in word: UInt64) -> UInt64 {
        (word &- ones &* UInt64(limit)) & ~word & highs
    }

    @inline(__always)
    static func bytes(equalTo byte: UInt8, in word: UInt64) -> UInt64 {
        let zeroWhereEqual = word ^ (ones &* UInt64(byte))
        return (zeroWhereEqual &- ones) & ~zeroWhereEqual & highs
    }

    /// Calls `body` with every word of `bytes`: whole words, then the last 1 to 7 bytes as one word of two
    /// loads that may overlap (a byte seen twice does not change an "any" answer), the bytes no load
    /// covers filled with spaces, which none of the scans looks for. Most property names are that short.
    @inline(__always)
    static func forEachWord(of bytes: UnsafeBufferPointer<UInt8>, _ body: (UInt64) -> Void) {
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while bytes.count - offset >= 8 {
            body(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < bytes.count { body(tail(raw + offset, count: bytes.count - offset)) }
    }

    /// The 1 to 7 bytes at `raw` as one word, as `forEachWord` passes a last partial word: the same bytes
    /// and count always give the same word, and different bytes of one count different words.
    @inline(__always)
    static func tail(_ raw: UnsafeRawPointer, count: Int) -> UInt64 {
        if count >= 4 {
            let low = UInt64(raw.loadUnaligned(as: UInt32.self))
            return low | UInt64(raw.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)) << 32
        }
        if count >= 2 {
            let low = UInt64(raw.loadUnaligned(as: UInt16.self))
            let high = UInt64(raw.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self))
            return low | high << 16 | 0x2020_2020_0000_0000
        }
        return UInt64(raw.load(as: UInt8.self)) | 0x2020_2020_2020_2000
    }
}
