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
        var seen: UInt64 = 0
        var escapes: UInt64 = 0
        WordScan.forEachWord(of: bytes) { word in
            seen |= word
            escapes |= escapeBits(word)
        }
        // The escape test is exact only where no byte is 0x80 or above; those take the slow path anyway.
        if seen & WordScan.highs != 0 { return .nonASCII }
        return escapes == 0 ? .plainASCII : .ascii
    }

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x22 || byte == 0x5c
    }

    /// True when no byte needs escaping, since every property of every uevent passes through here.
    static func isPlain(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var escapes: UInt64 = 0
        WordScan.forEachWord(of: bytes) { escapes |= escapeBits($0) }
        return escapes == 0
    }

    /// Nonzero when a byte of `word` is below 0x20, `"` or `\`.
    @inline(__always)
    private static func escapeBits(_ word: UInt64) -> UInt64 {
        WordScan.bytes(below: 0x20, in: word) | WordScan.bytes(equalTo: 0x22, in: word)
            | WordScan.bytes(equalTo: 0x5c, in: word)
    }
}
