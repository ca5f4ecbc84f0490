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
