/// JSON string escapes: reading `\uXXXX`, and decoding a string token the cursor has already checked.
enum JSONEscapes {
    /// The UTF-16 unit of the four hex digits at `offset`; nil when they are not four hex digits.
    static func hexUnit(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt16? {
        guard offset >= 0, bytes.count - offset >= 4 else { return nil }
        var unit: UInt16 = 0
        for index in offset..<offset + 4 {
            guard let digit = hexValue(bytes[index]) else { return nil }
            unit = unit << 4 | UInt16(digit)
        }
        return unit
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x41...0x46: byte - 0x41 + 10
        case 0x61...0x66: byte - 0x61 + 10
        default: nil
        }
    }

    static func isHighSurrogate(_ unit: UInt16) -> Bool { unit & 0xfc00 == 0xd800 }
    static func isLowSurrogate(_ unit: UInt16) -> Bool { unit & 0xfc00 == 0xdc00 }

    /// The text of a checked string token. Bytes that are not UTF-8 become U+FFFD, as they did when the
    /// whole file was decoded as a String first.
    static func string(_ token: JSONStringToken, in bytes: UnsafeRawBufferPointer) -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[token.start..<token.end])
        guard token.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        // Every escape is at least as long as what it stands for, so the raw length is enough room.
        return String(unsafeUninitializedCapacity: raw.count) { buffer in unescape(raw, into: buffer) }
    }

    /// Writes the unescaped bytes of `raw` to `output`; returns how many. Anything the cursor would have
    /// refused is written as U+FFFD rather than trusted.
    private static func unescape(_ raw: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var written = 0
        var index = 0
        func put(_ byte: UInt8) {
            if written < output.count { output[written] = byte }
            written += 1
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == 0x5c, index + 1 < raw.count else {
                put(byte)
                index += 1
                continue
            }
            let (scalar, length) = escapedScalar(raw, at: index)
            appendUTF8(of: scalar.value, put)
            index += length
        }
        return min(written, output.count)
    }

    /// The character of the escape at `index` (its backslash) and the escape's length in bytes.
    private static func escapedScalar(_ raw: UnsafeRawBufferPointer, at index: Int) -> (Unicode.Scalar, Int) {
        switch raw[index + 1] {
        case 0x62: return ("\u{08}", 2)
        case 0x66: return ("\u{0C}", 2)
        case 0x6e: return ("\n", 2)
        case 0x72: return ("\r", 2)
        case 0x74: return ("\t", 2)
        case 0x75: return unicodeEscape(raw, at: index)
        default: return (Unicode.Scalar(raw[index + 1]), 2)  // \" \\ \/
        }
    }

    private static func unicodeEscape(_ raw: UnsafeRawBufferPointer, at index: Int) -> (Unicode.Scalar, Int) {
        guard let unit = hexUnit(raw, at: index + 2) else { return ("\u{FFFD}", 2) }
        if isHighSurrogate(unit), index + 7 < raw.count, raw[index + 6] == 0x5c, raw[index + 7] == 0x75,
           let low = hexUnit(raw, at: index + 8), isLowSurrogate(low) {
            let value = 0x10000 + (UInt32(unit - 0xd800) << 10) + UInt32(low - 0xdc00)
            return (Unicode.Scalar(value) ?? "\u{FFFD}", 12)
        }
        return (Unicode.Scalar(UInt32(unit)) ?? "\u{FFFD}", 6)
    }

    private static func appendUTF8(of value: UInt32, _ put: (UInt8) -> Void) {
        switch value {
        case ..<0x80:
            put(UInt8(value))
        case ..<0x800:
            put(0xc0 | UInt8(value >> 6))
            put(0x80 | UInt8(value & 0x3f))
        case ..<0x10000:
            put(0xe0 | UInt8(value >> 12))
            put(0x80 | UInt8(value >> 6 & 0x3f))
            put(0x80 | UInt8(value & 0x3f))
        default:
            put(0xf0 | UInt8(value >> 18 & 0x07))
            put(0x80 | UInt8(value >> 12 & 0x3f))
            put(0x80 | UInt8(value >> 6 & 0x3f))
            put(0x80 | UInt8(value & 0x3f))
        }
    }
}
