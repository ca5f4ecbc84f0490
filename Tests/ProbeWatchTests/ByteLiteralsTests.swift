import Testing
@testable import ProbeWatch
import ProbeWatchCore

@Suite("Byte matching of known words and numbers")
struct ByteLiteralsTests {
    /// SEQNUM read from bytes must be what `UInt64(String)` made of it before.
    @Test(arguments: ["", "0", "7", "007", "+5", "-0", "-1", " 1", "1 ", "12a", "9999999999999999999",
                      "18446744073709551615", "18446744073709551616", "00000000000000000000001", "٣"])
    func decimalBytesReadAsStringsDo(text: String) {
        let fromBytes = Array(text.utf8).withUnsafeBytes { UInt64(decimal: $0) }
        #expect(fromBytes == UInt64(text))
    }

    @Test func actionsAreReadFromTheirBytes() {
        for action in UEventAction.allCases {
            #expect(Array(action.rawValue.utf8).withUnsafeBytes { UEventAction(bytes: $0) } == action)
        }
        #expect(Array("adds".utf8).withUnsafeBytes { UEventAction(bytes: $0) } == nil)
    }
}
