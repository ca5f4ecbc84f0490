import Testing
@testable import ProbeWatchCore

/// UEventProperties' byte storage: an Array's behaviour (value semantics, growth, replacing ranges)
/// without an Array.
@Suite("Property bytes behave as an array of bytes")
struct PropertyBytesTests {
    private func bytes(_ storage: PropertyBytes) -> [UInt8] {
        storage.withUnsafeBufferPointer { Array($0) }
    }

    private func append(_ values: [UInt8], to storage: inout PropertyBytes) {
        values.withUnsafeBufferPointer { storage.append(contentsOf: $0) }
    }

    @Test func emptyHasNoBytes() {
        #expect(PropertyBytes().count == 0)
        #expect(bytes(PropertyBytes()) == [])
        #expect(bytes(PropertyBytes(capacity: 0) { _ in 0 }) == [])
    }

    @Test func appendsGrowAndKeepEveryByte() {
        var storage = PropertyBytes()
        var expected: [UInt8] = []
        for round in 0..<500 {
            let piece = (0..<(round % 13)).map { UInt8(truncatingIfNeeded: round &+ $0) }
            append(piece, to: &storage)
            expected += piece
        }
        #expect(bytes(storage) == expected)
        #expect(storage.count == expected.count)
    }

    @Test func aCopyIsNotChangedByTheOriginal() {
        var original = PropertyBytes(capacity: 64) { buffer in
            for index in 0..<4 { buffer[index] = UInt8(index) }
            return 4
        }
        let copy = original
        append([9, 9], to: &original)
        var other = copy
        other.replaceSubrange(0..<1, with: UnsafeBufferPointer(start: nil, count: 0))
        #expect(bytes(copy) == [0, 1, 2, 3])
        #expect(bytes(original) == [0, 1, 2, 3, 9, 9])
        #expect(bytes(other) == [1, 2, 3])
    }

    @Test(arguments: [0..<0, 0..<2, 2..<4, 5..<6, 6..<6, 0..<6])
    func replacingARangeIsWhatAnArrayDoes(range: Range<Int>) {
        let start: [UInt8] = [1, 2, 3, 4, 5, 6]
        for replacement in [[], [7], [7, 8, 9]] as [[UInt8]] {
            var storage = PropertyBytes()
            append(start, to: &storage)
            replacement.withUnsafeBufferPointer { storage.replaceSubrange(range, with: $0) }
            var array = start
            array.replaceSubrange(range, with: replacement)
            #expect(bytes(storage) == array)
        }
    }

    @Test func reservingKeepsTheBytes() {
        var storage = PropertyBytes()
        append([1, 2, 3], to: &storage)
        storage.reserveCapacity(4096)
        append([4], to: &storage)
        #expect(bytes(storage) == [1, 2, 3, 4])
    }
}

extension PropertyBytesTests {
    /// Descriptions of events (and so TrackerBench's digest) must not carry an address.
    @Test func describedAsItsBytes() {
        var storage = PropertyBytes()
        [65, 66].withUnsafeBufferPointer { storage.append(contentsOf: $0) }
        #expect(String(describing: storage) == "[65, 66]")
        let properties: UEventProperties = ["A": "b"]
        #expect(String(describing: properties).contains("storage: [1, 0, 0, 0, 65, 1, 0, 0, 0, 98]"))
        #expect(!String(describing: properties).contains("unknown context"))
    }
}
