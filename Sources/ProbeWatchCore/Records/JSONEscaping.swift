/// Which bytes a JSON string must escape: `"`, `\` and the control bytes below 0x20.
public enum JSONEscaping {
    public enum ByteClass: Sendable {
        /// ASCII that a JSON string takes as it is.
        case plainASCII
        /// ASCII with bytes to escape.
        case ascii
        /// Bytes of 0x80 and above: UTF-8, or not.
        case nonASCII
    }

    /// Both answers a decoder needs, in one pass of eight bytes per step: every byte of every uevent is
    /// checked, and the encoder can then copy plain ASCII without looking at it again.
    public static func classify(_ bytes: UnsafeBufferPointer<UInt8>) -> ByteClass {
        guard let base = bytes.baseAddress else { return .plainASCII }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        var seen: UInt64 = 0
        var escapes: UInt64 = 0
        while offset + 8 <= bytes.count {
            let word = raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            seen |= word
            escapes |= escapeBits(word)
            offset += 8
        }
        if offset < bytes.count {
            let word = tailWord(raw + offset, count: bytes.count - offset)
            seen |= word
            escapes |= escapeBits(word)
        }
        // The word test is exact only where no byte is 0x80 or above; those take the slow path anyway.
        if seen & highs != 0 { return .nonASCII }
        return escapes == 0 ? .plainASCII : .ascii
    }

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5c
    }

    /// True when no byte needs escaping. Checks eight bytes per step with the classic SWAR tests ("has a
    /// zero byte", "has a byte less than n"), since every property of every uevent passes through here.
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        var offset = 0
        while offset + 8 <= bytes.count {
            if wordNeedsEscape(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) { return false }
            offset += 8
        }
        return offset == bytes.count || !wordNeedsEscape(tailWord(raw + offset, count: bytes.count - offset))
    }

    /// The last 1 to 7 bytes of a string as one word, for the word tests: two loads that may overlap
    /// (a byte seen twice does not change their answers), the bytes no load covers filled with spaces,
    /// which are plain ASCII. Most property names and many values are this short.
    @inline(__always)
    private static func tailWord(_ raw: UnsafeRawPointer, count: Int) -> UInt64 {
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

    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highs: UInt64 = 0x8080_8080_8080_8080

    private static func wordNeedsEscape(_ word: UInt64) -> Bool {
        escapeBits(word) != 0
    }

    /// Nonzero when a byte of `word` is below 0x20, `"` or `\` (a high bit set where it is, and perhaps
    /// in bytes after it, which does not change the answer).
    private static func escapeBits(_ word: UInt64) -> UInt64 {
        let below0x20 = (word &- ones &* 0x20) & ~word
        return (below0x20 | zeroBytes(word ^ (ones &* 0x22)) | zeroBytes(word ^ (ones &* 0x5c))) & highs
    }

    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- ones) & ~word
    }
}
