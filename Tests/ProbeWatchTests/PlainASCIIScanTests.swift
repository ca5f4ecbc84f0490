import Testing
@testable import ProbeWatch

/// PlainASCIIScan finds the first byte that is not plain ASCII exactly as a byte loop does, at every
/// position and length, including the overlapping last step.
@Suite("JSON cursor: plain ASCII runs sixteen bytes at a time")
struct PlainASCIIScanTests {
    #if arch(x86_64)
    private static let scansInVectors = true
    #else
    private static let scansInVectors = false
    #endif

    private static func isPlain(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte < 0x80 && byte != 0x22 && byte != 0x5c
    }

    /// Printable ASCII other than the quote and the backslash, cycling.
    private static func plainByte(_ offset: Int) -> UInt8 {
        let byte = UInt8(0x20 + offset % 0x5f)
        return byte == 0x22 || byte == 0x5c ? 0x41 : byte
    }

    private static func expectedEnd(_ bytes: [UInt8], from start: Int) -> Int {
        bytes[start...].firstIndex { !isPlain($0) } ?? bytes.count
    }

    @Test(arguments: [0x22, 0x5c, 0x00, 0x0a, 0x1f, 0x80, 0xc3, 0xff] as [UInt8])
    func stopsAtTheFirstByteThatIsNotPlain(special: UInt8) {
        for count in 0...40 {
            for position in -1..<count {  // -1: no such byte
                var bytes = (0..<count).map(Self.plainByte)
                if position >= 0 { bytes[position] = special }
                for start in 0...count {
                    let end = bytes.withUnsafeBytes { PlainASCIIScan.end(of: $0, from: start) }
                    if Self.scansInVectors, count >= 16 {
                        #expect(end == Self.expectedEnd(bytes, from: start), "count \(count), special at \(position), from \(start)")
                    } else {
                        #expect(end == start)  // not looked at: the caller's general scan does it
                    }
                }
            }
        }
    }

    @Test func tildeAndDeleteArePlain() {
        let bytes: [UInt8] = Array(repeating: 0x7e, count: 10) + Array(repeating: 0x7f, count: 10) + [0x22]
        let end = bytes.withUnsafeBytes { PlainASCIIScan.end(of: $0, from: 0) }
        #expect(end == (Self.scansInVectors ? 20 : 0))
    }

    @Test(arguments: [#""plain ascii text""#, #""with \"escape\" inside""#, #""caf\#u{e9} \#u{1F600}""#,
                      #""a long plain string that takes more than one step of sixteen""#, #""cut off"#,
                      #""raw\#ttab""#, #""""#])
    func stringTokensMatchTheirContent(text: String) {
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { raw in
            var cursor = JSONByteCursor(raw)
            guard let token = try? cursor.string() else {
                #expect(text.hasSuffix("off") || text.contains("\t"))  // cut, or a raw control byte
                return
            }
            #expect(token.start == 1 && token.end == bytes.count - 1)
            #expect(token.hasEscapes == text.contains("\\"))
            #expect(token.isASCII == text.utf8.allSatisfy { $0 < 0x80 })
            #expect(cursor.isAtEnd)
        }
    }
}
