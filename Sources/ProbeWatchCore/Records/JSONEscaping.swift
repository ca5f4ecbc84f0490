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
        var escapeByte = false
        while offset < bytes.count {
            seen |= UInt64(bytes[offset])
            escapeByte = escapeByte || needsEscape(bytes[offset])
            offset += 1
        }
        // The word test is exact only where no byte is 0x80 or above; those take the slow path anyway.
        if seen & highs != 0 { return .nonASCII }
        return escapes == 0 && !escapeByte ? .plainASCII : .ascii
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
        while offset < bytes.count {
            if needsEscape(bytes[offset]) { return false }
            offset += 1
        }
        return true
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
