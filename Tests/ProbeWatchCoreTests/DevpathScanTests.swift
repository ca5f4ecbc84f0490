import Testing
@testable import ProbeWatchCore

/// UEventValidation.scan looks at eight bytes at a time; this checks it against a byte-at-a-time reading.
@Suite("DEVPATH scan, word at a time")
struct DevpathScanTests {
    /// The plain reading the word-at-a-time scan must agree with.
    static func reference(_ bytes: [UInt8]) -> (control: Bool, dotSegment: Bool) {
        let control = bytes.contains { $0 < 0x20 || $0 == 0x7f }
        let segments = bytes.split(separator: 0x2f, omittingEmptySubsequences: false).dropFirst()
        let dotSegment = segments.contains { $0.elementsEqual([0x2e]) || $0.elementsEqual([0x2e, 0x2e]) }
        return (control, dotSegment)
    }

    @Test(arguments: ["/devices/pci0000:00/0000:00:1f.3", "/a/./b", "/a/../b", "/a/..", "/a/.", "/a/...",
                      "/.hidden/x", "/devices/x\u{7f}y", "/devices/x\ty", "/12345678/./", "/1234567/.",
                      "/devices/é/..", "/"])
    func knownPaths(path: String) {
        let bytes = Array(path.utf8)
        let scanned = bytes.withUnsafeBufferPointer { UEventValidation.scan($0) }
        let expected = Self.reference(bytes)
        #expect(scanned.control == expected.control && scanned.dotSegment == expected.dotSegment)
    }

    /// Every byte class at every offset of paths around the word size, from a fixed seed.
    @Test func randomPaths() {
        let alphabet: [UInt8] = [0x2f, 0x2e, 0x61, 0x1f, 0x00, 0x7f, 0x80, 0xff, 0x20, 0x7e, 0x30]
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let length = Int(state >> 59) + 1
            var bytes: [UInt8] = [0x2f]
            for position in 0..<length {
                let pick = Int((state >> UInt64((position % 8) * 7)) % UInt64(alphabet.count)) ^ (position % 3)
                bytes.append(alphabet[pick % alphabet.count])
            }
            state = state &* 6_364_136_223_846_793_005 &+ 1
            let scanned = bytes.withUnsafeBufferPointer { UEventValidation.scan($0) }
            let expected = Self.reference(bytes)
            #expect(scanned.control == expected.control && scanned.dotSegment == expected.dotSegment, "\(bytes)")
        }
    }
}
