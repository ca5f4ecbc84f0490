/// Which bytes a JSON string must escape: `"`, `\` and the control bytes below 0x20.
enum JSONEscaping {
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
        let below0x20 = (word &- ones &* 0x20) & ~word & highs
        return below0x20 != 0 || hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5c))
    }

    private static func hasZeroByte(_ word: UInt64) -> Bool {
        (word &- ones) & ~word & highs != 0
    }
}
