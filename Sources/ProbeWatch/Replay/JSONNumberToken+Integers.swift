extension JSONNumberToken {
    /// The number as an integer of type `T`; nil when it does not fit or has a fractional part. `1.0` and
    /// `1e3` are integers too, as JSONDecoder read them.
    func integer<T: FixedWidthInteger>(_: T.Type, in bytes: UnsafeRawBufferPointer) -> T? {
        guard isInteger else { return exactInteger(T.self, in: bytes) }
        var index = start
        let negative = bytes[index] == 0x2d
        if negative { index += 1 }
        var value: T = 0
        while index < end {
            let digit = T(bytes[index] &- 0x30)
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) = negative
                ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// The slow path, for numbers written with a fraction or an exponent: worked out in decimal, so only
    /// a number that is exactly an integer is one (`1.5e1` is 15; `1.00000000000000001` and `1e-400` are not).
    private func exactInteger<T: FixedWidthInteger>(_: T.Type, in bytes: UnsafeRawBufferPointer) -> T? {
        var digits: [UInt8] = []
        var exponent = 0
        var index = start
        let negative = bytes[index] == 0x2d
        if negative { index += 1 }
        var inFraction = false
        while index < end, bytes[index] != 0x65, bytes[index] != 0x45 {
            if bytes[index] == 0x2e {
                inFraction = true
            } else {
                if !(digits.isEmpty && bytes[index] == 0x30) { digits.append(bytes[index] &- 0x30) }
                if inFraction { exponent -= 1 }
            }
            index += 1
        }
        if index < end { exponent += Self.exponent(bytes, from: index + 1, to: end) }
        while exponent < 0, digits.last == 0 {
            digits.removeLast()
            exponent += 1
        }
        if digits.isEmpty { return 0 }
        guard exponent >= 0, digits.count + exponent <= 40 else { return nil }
        var value: T = 0
        for digit in digits + [UInt8](repeating: 0, count: exponent) {
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) = negative
                ? shifted.subtractingReportingOverflow(T(digit)) : shifted.addingReportingOverflow(T(digit))
            guard !overflowed, !overflowedAgain else { return nil }
            value = next
        }
        return value
    }

    /// An exponent's value, held within ±100,000 (far beyond any integer) so that it cannot overflow.
    private static func exponent(_ bytes: UnsafeRawBufferPointer, from start: Int, to end: Int) -> Int {
        var index = start
        let negative = bytes[index] == 0x2d
        if bytes[index] == 0x2d || bytes[index] == 0x2b { index += 1 }
        var value = 0
        while index < end {
            value = min(value * 10 + Int(bytes[index] &- 0x30), 100_000)
            index += 1
        }
        return negative ? -value : value
    }
}
