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

    /// Both answers a decoder needs (is every byte ASCII, does any need escaping) for bytes as they are
    /// copied, gathered over several copies: a decoder that must copy every byte anyway reads each once,
    /// with no scan before the copy and no memcpy call after, and the encoder can then copy plain ASCII
    /// without looking at it again.
    public struct CopyingScan {
        private var seen: UInt64 = 0
        private var escapes: UInt64 = 0

        public init() {}

        public var byteClass: ByteClass {
            // The escape test is exact only where no byte is 0x80 or above; those take the slow path anyway.
            if seen & WordScan.highs != 0 { return .nonASCII }
            return escapes == 0 ? .plainASCII : .ascii
        }

        /// Copies `bytes` to `target`, which has room for exactly as many, eight at a time: the last word
        /// overlaps the one before rather than reading or writing past either end.
        @inline(__always)
        public mutating func copy(_ bytes: UnsafeBufferPointer<UInt8>, to target: UnsafeMutableRawPointer) {
            guard let base = bytes.baseAddress else { return }
            let source = UnsafeRawPointer(base)
            let count = bytes.count
            var offset = 0
            while count - offset >= 8 {
                let word = source.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                target.storeBytes(of: word, toByteOffset: offset, as: UInt64.self)
                note(word)
                offset += 8
            }
            guard offset < count else { return }
            note(WordScan.tail(source + offset, count: count - offset))
            if count >= 8 {
                let last = source.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                target.storeBytes(of: last, toByteOffset: count - 8, as: UInt64.self)
            } else {
                Self.copyShort(source, to: target, count: count)
            }
        }

        @inline(__always)
        private mutating func note(_ word: UInt64) {
            seen |= word
            escapes |= escapeBits(word)
        }

        /// 1 to 7 bytes, in two loads and stores that may overlap.
        @inline(__always)
        private static func copyShort(_ source: UnsafeRawPointer, to target: UnsafeMutableRawPointer, count: Int) {
            if count >= 4 {
                let (first, last) = (source.loadUnaligned(as: UInt32.self),
                                     source.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self))
                target.storeBytes(of: first, as: UInt32.self)
                target.storeBytes(of: last, toByteOffset: count - 4, as: UInt32.self)
            } else if count >= 2 {
                let (first, last) = (source.loadUnaligned(as: UInt16.self),
                                     source.loadUnaligned(fromByteOffset: count - 2, as: UInt16.self))
                target.storeBytes(of: first, as: UInt16.self)
                target.storeBytes(of: last, toByteOffset: count - 2, as: UInt16.self)
            } else {
                target.storeBytes(of: source.load(as: UInt8.self), as: UInt8.self)
            }
        }
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
    fileprivate static func escapeBits(_ word: UInt64) -> UInt64 {
        WordScan.bytes(below: 0x20, in: word) | WordScan.bytes(equalTo: 0x22, in: word)
            | WordScan.bytes(equalTo: 0x5c, in: word)
    }
}
