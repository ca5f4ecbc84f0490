import Glibc
import ProbeWatchCore

// Matching raw bytes against known words without making Strings: the live decoder and the replay
// scanner do it for every event.

extension UnsafeRawBufferPointer {
    /// Byte-wise equality with a literal.
    func equals(_ literal: StaticString) -> Bool {
        guard count == literal.utf8CodeUnitCount else { return false }
        guard let base = baseAddress else { return count == 0 }
        return memcmp(base, literal.utf8Start, count) == 0
    }
}

extension UEventAction {
    /// The action these bytes name; nil for any other.
    init?(bytes: UnsafeRawBufferPointer) {
        switch bytes.count {
        case 3 where bytes.equals("add"): self = .add
        case 4 where bytes.equals("bind"): self = .bind
        case 4 where bytes.equals("move"): self = .move
        case 6 where bytes.equals("remove"): self = .remove
        case 6 where bytes.equals("change"): self = .change
        case 6 where bytes.equals("online"): self = .online
        case 6 where bytes.equals("unbind"): self = .unbind
        case 7 where bytes.equals("offline"): self = .offline
        default: return nil
        }
    }
}

extension UInt64 {
    /// What `UInt64(String)` makes of these bytes, without the String for the usual case: up to 19
    /// plain digits, which cannot overflow. Anything else (a sign, 20 digits, junk) goes the String way.
    init?(decimal bytes: UnsafeRawBufferPointer) {
        guard (1...19).contains(bytes.count), bytes.allSatisfy({ (0x30...0x39).contains($0) }) else {
            self.init(String(decoding: bytes, as: UTF8.self))
            return
        }
        self = bytes.reduce(0) { $0 * 10 + UInt64($1 - 0x30) }
    }
}
