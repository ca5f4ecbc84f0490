/// What the hand-written encoders write to: an array, or `JSONWriter`'s own buffer.
protocol ByteAppending: ~Copyable {
    mutating func append(_ byte: UInt8)
}

extension Array: ByteAppending where Element == UInt8 {}
