import Testing
@testable import ProbeWatch

/// JSONByteCursor.takePlainInteger reads what the general number path reads, or leaves it to that path.
@Suite("JSON cursor: plain integers in one pass")
struct PlainIntegerTests {
    /// Every length from 1 to 20 digits, followed by each kind of byte that may or may not end a plain
    /// integer, at the end of the line or not: the eight-byte word read and the byte loop must agree.
    @Test func agreesWithTheGeneralPathAtEveryLength() {
        var generator = SeededGenerator(seed: 8)
        for length in 1...20 {
            for ending in ["", ",", "}", ".5", "e3", "x", "0", " "] {
                for padding in ["", "}}}}}}}}"] {
                    let digits = String((0..<length).map { index in
                        Character(String(index == 0 ? Int.random(in: 1...9, using: &generator) : Int.random(in: 0...9, using: &generator)))
                    })
                    agreesWithTheGeneralPath(text: digits + ending + padding)
                }
            }
        }
    }

    @Test(arguments: ["0", "7", "01", "123", "123,", "123}", "123.0", "123e2", "123E2", "-5", "99x", " 42",
                      "123456789012345678", "1234567890123456789", "12345678901234567890", "1.5", "", "n"])
    func agreesWithTheGeneralPath(text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            var fast = JSONByteCursor(raw)
            var general = JSONByteCursor(raw)
            let start = fast.index
            if let value = fast.takePlainInteger() {
                let token = try? general.number()
                #expect(token?.integer(UInt64.self, in: raw) == value)
                #expect(fast.index == general.index)
            } else {
                #expect(fast.index == start || fast.index == general.index)  // whitespace only may be skipped
            }
        }
    }
}
