import Glibc

/// Why a line is not JSON, and where: `offset` is the byte in the line (nil: its end), for the warning.
struct JSONSyntaxError: Error, Equatable {
    var problem: String
    var offset: Int?

    var description: String {
        guard let offset else { return "not a JSON object (\(problem))" }
        return "not a JSON object (\(problem) at byte \(offset + 1))"
    }
}

/// A string as it stands in the line, between its quotes; `hasEscapes` says whether it must be decoded.
struct JSONStringToken {
    var start: Int
    var end: Int
    var hasEscapes: Bool
    var isASCII: Bool

    var count: Int { end - start }
}

/// A number as it stands in the line; `isInteger` when it has neither fraction nor exponent.
struct JSONNumberToken {
    var start: Int
    var end: Int
    var isInteger: Bool
}

/// Walks the bytes of one JSON line. Only reads inside `bytes`: every step checks the end first, so a cut
/// or hostile line ends in a `JSONSyntaxError`, never a read out of bounds.
struct JSONByteCursor {
    /// Records are two levels deep; anything deeper than this (the line's object counting as one) is not
    /// ours and is refused before the stack is.
    static let maxDepth = 64

    let bytes: UnsafeRawBufferPointer
    private(set) var index = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index >= bytes.count }

    func error(_ problem: String, at offset: Int? = nil) -> JSONSyntaxError {
        let offset = offset ?? index
        return JSONSyntaxError(problem: problem, offset: offset < bytes.count ? offset : nil)
    }

    /// The next byte that is not JSON whitespace, without taking it; nil at the end.
    @inline(__always)
    mutating func peek() -> UInt8? {
        if index < bytes.count, bytes[index] > 0x20 { return bytes[index] }  // RecordEncoder writes no spaces
        return peekAfterWhitespace()
    }

    private mutating func peekAfterWhitespace() -> UInt8? {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0d, 0x0a: index += 1
            default: return bytes[index]
            }
        }
        return nil
    }

    /// Takes `byte` if it comes next (after whitespace).
    @inline(__always)
    mutating func take(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    @inline(__always)
    mutating func expect(_ byte: UInt8, _ what: StaticString) throws(JSONSyntaxError) {
        guard take(byte) else { throw expected(what) }
    }

    private func expected(_ what: StaticString) -> JSONSyntaxError {
        error(isAtEnd ? "line ends where \(what) should be" : "expected \(what)")
    }

    /// A UTF-8 byte order mark may start a file's first line; JSON parsers may ignore it (RFC 8259 §8.1).
    mutating func skipByteOrderMark() {
        if bytes.count >= 3, bytes[0] == 0xef, bytes[1] == 0xbb, bytes[2] == 0xbf { index = 3 }
    }

    /// `null`, `true` or `false`, taken whole.
    @inline(__always)
    mutating func takeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// The string that starts here (after whitespace), checked: no raw control bytes, valid escapes,
    /// surrogates only in pairs. Decoding it later cannot fail.
    mutating func string() throws(JSONSyntaxError) -> JSONStringToken {
        _ = peek()
        // Nearly every string is plain ASCII, and ends at the first byte that is not.
        if let plain = takePlainString() { return plain }
        try expect(0x22, "a string")
        return try generalString(start: index)
    }

    /// The string that starts right here (no whitespace first) if it is plain ASCII up to its closing
    /// quote, taken; otherwise nil, and nothing is taken. Inlined where RecordEncoder's strings are read:
    /// as a call, `string()` cost a line of twenty strings more than their scan.
    @inline(__always)
    mutating func takePlainString() -> JSONStringToken? {
        guard index < bytes.count, bytes[index] == 0x22 else { return nil }
        let end = PlainASCIIScan.end(of: bytes, from: index + 1)
        guard end < bytes.count, bytes[end] == 0x22 else { return nil }
        defer { index = end + 1 }
        return JSONStringToken(start: index + 1, end: end, hasEscapes: false, isASCII: true)
    }

    /// A string that has an escape, a byte above 0x7f or a mistake, from its first byte (`start`, after
    /// the quote).
    private mutating func generalString(start: Int) throws(JSONSyntaxError) -> JSONStringToken {
        var hasEscapes = false
        var isASCII = true
        while true {
            let (end, ascii) = Self.plainRun(bytes, from: index)
            isASCII = isASCII && ascii
            index = end
            guard index < bytes.count else { throw error("line ends inside a string") }
            switch bytes[index] {
            case 0x22:
                index += 1
                return JSONStringToken(start: start, end: index - 1, hasEscapes: hasEscapes, isASCII: isASCII)
            case 0x5c:
                hasEscapes = true
                try escape()
            default:
                throw error("raw control byte in a string")
            }
        }
    }

    /// Where the run of bytes from `start` that need no attention in a string ends (at a quote, a backslash,
    /// a control byte or the end), and whether they were all ASCII. Eight bytes at a time: strings are most
    /// of a line. Inlined: a line has some twenty strings, most of them short, and a call was a tenth of one.
    @inline(__always)
    private static func plainRun(_ bytes: UnsafeRawBufferPointer, from start: Int) -> (end: Int, isASCII: Bool) {
        guard let base = bytes.baseAddress else { return (start, true) }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        var index = start
        var seen: UInt64 = 0
        while bytes.count - index >= 8 {
            let word = (base + index).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5c)
            // Nonzero exactly when some byte is 0 (in quote, backslash) or below 0x20 (in word).
            let special = ((quote &- ones) & ~quote | (backslash &- ones) & ~backslash | (word &- ones &* 0x20) & ~word) & highs
            if special != 0 {
                // The lowest flagged byte is a real match: borrows only carry upwards from one.
                let offset = special.trailingZeroBitCount >> 3
                seen |= word & ((1 << UInt64(offset * 8)) &- 1)
                return (index + offset, seen & highs == 0)
            }
            seen |= word
            index += 8
        }
        var isASCII = seen & highs == 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 || byte == 0x5c || byte < 0x20 { break }
            if byte >= 0x80 { isASCII = false }
            index += 1
        }
        return (index, isASCII)
    }

    /// One escape sequence, starting at its backslash.
    private mutating func escape() throws(JSONSyntaxError) {
        let start = index
        guard index + 1 < bytes.count else { throw error("line ends inside an escape") }
        switch bytes[index + 1] {
        case 0x22, 0x5c, 0x2f, 0x62, 0x66, 0x6e, 0x72, 0x74: index += 2
        case 0x75:
            guard let unit = JSONEscapes.hexUnit(bytes, at: index + 2) else { throw error("bad \\u escape", at: start) }
            index += 6
            if JSONEscapes.isLowSurrogate(unit) { throw error("lone low surrogate", at: start) }
            if JSONEscapes.isHighSurrogate(unit) {
                guard index + 1 < bytes.count, bytes[index] == 0x5c, bytes[index + 1] == 0x75,
                      let low = JSONEscapes.hexUnit(bytes, at: index + 2), JSONEscapes.isLowSurrogate(low)
                else { throw error("lone high surrogate", at: start) }
                index += 6
            }
        default: throw error("invalid escape", at: start)
        }
    }

    /// The integer here if it is written plainly (1 to 18 digits, no leading zero, sign, fraction or
    /// exponent), read in the same pass that checks it; otherwise nil, and nothing is taken. SEQNUMs and
    /// times are written so: the general path scanned them, then read them again.
    mutating func takePlainInteger() -> UInt64? {
        guard peek().map({ $0 &- 0x31 < 9 }) == true else { return nil }
        var (end, value) = leadingDigits()
        while end < bytes.count, end - index < 18 {
            let digit = bytes[end] &- 0x30
            guard digit < 10 else { break }
            value = value * 10 + UInt64(digit)
            end += 1
        }
        if end < bytes.count {
            switch bytes[end] {
            case 0x2e, 0x45, 0x65, 0x30...0x39: return nil  // a fraction, an exponent, a 19th digit
            default: break
            }
        }
        index = end
        return value
    }

    /// Up to eight digits from `index` on, read as one word (SEQNUMs and times have seven or eight):
    /// where they end, and their value. Fewer than eight bytes left: none are read.
    @inline(__always)
    private func leadingDigits() -> (end: Int, value: UInt64) {
        guard bytes.count - index >= 8, let base = bytes.baseAddress else { return (index, 0) }
        let digits = (base + index).loadUnaligned(as: UInt64.self).littleEndian ^ 0x3030_3030_3030_3030
        // A byte is a digit when it is below 10 now: adding 0x76 to its low seven bits sets bit 7 otherwise.
        let notDigit = (((digits & 0x7f7f_7f7f_7f7f_7f7f) &+ 0x7676_7676_7676_7676) | digits) & 0x8080_8080_8080_8080
        let count = notDigit.trailingZeroBitCount >> 3
        guard count > 0 else { return (index, 0) }
        // The digits moved to the top bytes with zeros (leading zeros) below them, then combined in pairs,
        // fours and eight (Lemire's eight-digit parse).
        var value = digits << UInt64(64 - 8 * count)
        value = (value &* 2561) >> 8
        value = ((value & 0x00ff_00ff_00ff_00ff) &* 6_553_601) >> 16
        value = ((value & 0x0000_ffff_0000_ffff) &* 42_949_672_960_001) >> 32
        return (index + count, value)
    }

    /// The number that starts here, checked against JSON's grammar.
    mutating func number() throws(JSONSyntaxError) -> JSONNumberToken {
        _ = peek()
        let start = index
        if index < bytes.count, bytes[index] == 0x2d { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("expected a value") }
        if bytes[index] == 0x30 {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) { throw error("number with a leading zero") }
        } else {
            skipDigits()
        }
        var isInteger = true
        if index < bytes.count, bytes[index] == 0x2e {
            index += 1
            try requireDigits()
            isInteger = false
        }
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {
            index += 1
            if index < bytes.count, bytes[index] == 0x2b || bytes[index] == 0x2d { index += 1 }
            try requireDigits()
            isInteger = false
        }
        return JSONNumberToken(start: start, end: index, isInteger: isInteger)
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private mutating func requireDigits() throws(JSONSyntaxError) {
        guard index < bytes.count, isDigit(bytes[index]) else { throw error("number without digits") }
        skipDigits()
    }

    /// Skips any value, checking it as strictly as the ones that are read. `depth` counts the line's object
    /// as 1, so by default the value is a member of it.
    mutating func skipValue(depth: Int = 2) throws(JSONSyntaxError) {
        guard depth <= Self.maxDepth else { throw error("nested deeper than \(Self.maxDepth) levels") }
        switch peek() {
        case 0x22: if takePlainString() == nil { _ = try string() }
        case 0x7b: try skipObject(depth: depth)
        case 0x5b: try skipArray(depth: depth)
        case 0x74: if !takeLiteral("true") { throw error("expected a value") }
        case 0x66: if !takeLiteral("false") { throw error("expected a value") }
        case 0x6e: if !takeLiteral("null") { throw error("expected a value") }
        case nil: throw error("line ends where a value should be")
        default: _ = try number()
        }
    }

    /// `skipValue()` for a member, with the plain string RecordEncoder writes for the ones replay skips
    /// (boot_id, host) taken inline: the call cost three times the scan.
    @inline(__always)
    mutating func skipPlainStringOrValue() throws(JSONSyntaxError) {
        _ = peek()
        if takePlainString() == nil { try skipValue() }
    }

    private mutating func skipObject(depth: Int) throws(JSONSyntaxError) {
        try expect(0x7b, "{")
        if take(0x7d) { return }
        repeat {
            _ = try string()
            try expect(0x3a, ":")
            try skipValue(depth: depth + 1)
        } while try separator(closing: 0x7d)
    }

    private mutating func skipArray(depth: Int) throws(JSONSyntaxError) {
        try expect(0x5b, "[")
        if take(0x5d) { return }
        repeat {
            try skipValue(depth: depth + 1)
        } while try separator(closing: 0x5d)
    }

    /// After a member or element: true for `,` (another follows), false for the closing bracket.
    @inline(__always)
    mutating func separator(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        if take(0x2c) { return true }
        if take(closing) { return false }
        throw error(isAtEnd ? "line ends inside \(closing == 0x7d ? "an object" : "an array")" : "expected , or \(closing == 0x7d ? "}" : "]")")
    }

    /// Takes `literal` if the bytes here (no whitespace skipped) are exactly it.
    @inline(__always)
    mutating func take(exactly literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count, let base = bytes.baseAddress,
              Self.equal(base + index, UnsafeRawPointer(literal.utf8Start), count) else { return false }
        index += count
        return true
    }

    /// memcmp for the few bytes of a key, without a call into libc: whole words, the last one overlapping
    /// the one before rather than a byte at a time (every key the encoder writes has at least 7 bytes).
    @inline(__always)
    private static func equal(_ lhs: UnsafeRawPointer, _ rhs: UnsafeRawPointer, _ count: Int) -> Bool {
        if count >= 8 {
            var offset = 0
            while count - offset > 8 {
                if lhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                    != rhs.loadUnaligned(fromByteOffset: offset, as: UInt64.self) { return false }
                offset += 8
            }
            return lhs.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == rhs.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        }
        if count >= 4 {
            return lhs.loadUnaligned(as: UInt32.self) == rhs.loadUnaligned(as: UInt32.self)
                && lhs.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
                == rhs.loadUnaligned(fromByteOffset: count - 4, as: UInt32.self)
        }
        for offset in 0..<count where lhs.load(fromByteOffset: offset, as: UInt8.self)
            != rhs.load(fromByteOffset: offset, as: UInt8.self) {
            return false
        }
        return true
    }
}
