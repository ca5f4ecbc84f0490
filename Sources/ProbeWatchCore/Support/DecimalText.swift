/// Unsigned integers as decimal digits, written straight into memory: the JSON log writes several per
/// record and the console one per probe, and neither wants a String for it.
enum DecimalText {
    /// The most digits a UInt64 has.
    static let maxDigits = 20

    /// Writes `value`'s digits at `target`, which has room for them (`maxDigits` always is); returns how
    /// many. The digits are counted first, then written from the last, two per division.
    static func write(_ value: UInt64, to target: UnsafeMutablePointer<UInt8>) -> Int {
        let digits = digitCount(value)
        var rest = value
        var index = digits
        while rest >= 10 {
            let pair = Int(rest % 100) * 2
            rest /= 100
            index -= 2
            target[index] = digitPairs.utf8Start[pair]
            target[index + 1] = digitPairs.utf8Start[pair + 1]
        }
        if index > 0 { target[0] = 0x30 + UInt8(rest) }
        return digits
    }

    /// From the bit length: log10(2) is about 1233 / 4096, and one comparison settles the rest.
    private static func digitCount(_ value: UInt64) -> Int {
        let estimate = ((64 - value.leadingZeroBitCount) * 1233) >> 12  // shifts bind tighter than * in Swift
        return max(1, estimate + (value >= powersOfTen[estimate] ? 1 : 0))
    }

    /// A literal, so the compiler lays it out statically (a computed one is initialized lazily, checked on
    /// every use).
    private static let powersOfTen: [UInt64] = [
        1, 10, 100, 1000, 10000,
        100000, 1000000, 10000000, 100000000, 1000000000,
        10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
        1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000, 10000000000000000000,
    ]

    /// "00" through "99": two digits per division.
    private static let digitPairs: StaticString = "00010203040506070809101112131415161718192021222324252627282930313233343536373839404142434445464748495051525354555657585960616263646566676869707172737475767778798081828384858687888990919293949596979899"
}
