/// The bytes of a `UEventProperties`, copied on write. Not an `[UInt8]`: every Array allocation looks its
/// buffer class up in the runtime's generic metadata cache (some 300 instructions, and code that crowds
/// the instruction cache), and replay makes one per event; a final class's metadata is static.
struct PropertyBytes {
    /// The header is how many bytes are in use.
    private final class Buffer: ManagedBuffer<Int, UInt8> {}

    private var buffer: Buffer?

    init() {}

    /// Exactly `capacity` bytes, of which `fill` initializes the first ones and returns how many.
    init(capacity: Int, fill: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        guard capacity > 0 else { return }
        let buffer = Self.allocate(capacity)
        buffer.withUnsafeMutablePointers { used, bytes in
            used.pointee = fill(UnsafeMutableBufferPointer(start: bytes, count: capacity))
        }
        self.buffer = buffer
    }

    // The header is read and written through pointers: as a class's stored property, `header` had its
    // exclusivity checked at run time on every access.
    var count: Int { buffer?.withUnsafeMutablePointerToHeader { $0.pointee } ?? 0 }

    func withUnsafeBufferPointer<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        guard let buffer else { return try body(UnsafeBufferPointer(start: nil, count: 0)) }
        return try buffer.withUnsafeMutablePointers { used, bytes in try body(UnsafeBufferPointer(start: bytes, count: used.pointee)) }
    }

    mutating func reserveCapacity(_ capacity: Int) {
        guard capacity > (buffer?.capacity ?? 0) else { return }
        reallocate(capacity)
    }

    /// Amortized constant time per byte: a full buffer doubles.
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        let needed = count + bytes.count
        if buffer == nil || !isKnownUniquelyReferenced(&buffer) || needed > buffer!.capacity {
            reallocate(max(needed, 2 * (buffer?.capacity ?? 0)))
        }
        buffer!.withUnsafeMutablePointers { used, target in
            (target + used.pointee).initialize(from: source, count: bytes.count)
            used.pointee = needed
        }
    }

    /// Rare (a property's value changed or removed): always a new buffer.
    mutating func replaceSubrange(_ range: Range<Int>, with bytes: UnsafeBufferPointer<UInt8>) {
        let old = self
        self = PropertyBytes(capacity: count - range.count + bytes.count) { target in
            old.withUnsafeBufferPointer { current in
                var at = 0
                for part in [UnsafeBufferPointer(rebasing: current[..<range.lowerBound]), bytes,
                             UnsafeBufferPointer(rebasing: current[range.upperBound...])] {
                    if let base = part.baseAddress { (target.baseAddress! + at).initialize(from: base, count: part.count) }
                    at += part.count
                }
                return at
            }
        }
    }

    private mutating func reallocate(_ capacity: Int) {
        let old = self
        self = PropertyBytes(capacity: capacity) { target in
            old.withUnsafeBufferPointer { current in
                if let base = current.baseAddress { target.baseAddress!.initialize(from: base, count: current.count) }
                return current.count
            }
        }
    }

    private static func allocate(_ capacity: Int) -> Buffer {
        // `create` is typed as the base class; the object is of the subclass it was called on.
        unsafeDowncast(Buffer.create(minimumCapacity: capacity) { _ in 0 }, to: Buffer.self)
    }
}

// The buffer is written only while uniquely referenced (copy on write), so sharing it is safe.
extension PropertyBytes: @unchecked Sendable {}

// Printed as the bytes, as the Array it replaced was: the buffer's private class would print with the
// address of its context, and descriptions of events (logs, test failures, TrackerBench's digest) would
// change from run to run.
extension PropertyBytes: CustomStringConvertible, CustomDebugStringConvertible {
    var description: String { withUnsafeBufferPointer { Array($0).description } }
    var debugDescription: String { description }
}
