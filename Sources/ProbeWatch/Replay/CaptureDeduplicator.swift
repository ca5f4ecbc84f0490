import ProbeWatchCore

/// A capture of `udevadm monitor` shows each event twice, KERNEL then UDEV: one event, not two.
/// With SEQNUM the twins share it; plain captures have none, so a UDEV line is the twin of the oldest
/// unmatched KERNEL line with the same action and DEVPATH. A UDEV-only capture keeps every event.
struct CaptureDeduplicator {
    private var recentSeqnums = RecentSeqnums()
    private var kernelAwaitingTwin: [String: Int] = [:]

    mutating func admit(_ event: UEvent) -> Bool {
        if let seqnum = event.seqnum { return recentSeqnums.insert(seqnum) }
        let key = event.action.rawValue + " " + event.devpath
        if event.source == .udev, let waiting = kernelAwaitingTwin[key], waiting > 0 {
            kernelAwaitingTwin[key] = waiting == 1 ? nil : waiting - 1
            return false
        }
        if event.source == .kernel { kernelAwaitingTwin[key, default: 0] += 1 }
        return true
    }
}

/// The SEQNUMs seen among the last `memory` below the highest, one bit each in a ring: a SEQNUM further
/// back can no longer have a twin coming, and forgetting it bounds memory (16 KiB). A bit per SEQNUM,
/// not a Set: replay asks once per event, and hashing was a tenth of reading a line.
struct RecentSeqnums {
    static let memory: UInt64 = 100_000
    /// Slots in the ring: a power of two, more than `memory`, so a remembered SEQNUM keeps its slot.
    private static let slots: UInt64 = 1 << 17
    private var bits = [UInt64](repeating: 0, count: Int(slots / 64))
    private var highest: UInt64?

    /// False when `seqnum` was seen before and is still remembered.
    mutating func insert(_ seqnum: UInt64) -> Bool {
        guard let highest else {
            self.highest = seqnum
            return set(seqnum)
        }
        if seqnum > highest {
            forget(from: highest + 1, count: min(seqnum - highest, Self.slots))
            self.highest = seqnum
        } else if highest - seqnum >= Self.memory {
            return true  // forgotten
        }
        return set(seqnum)
    }

    /// Sets the bit of `seqnum`; false when it was already set.
    private mutating func set(_ seqnum: UInt64) -> Bool {
        let slot = Int(seqnum & (Self.slots - 1))
        let mask: UInt64 = 1 << (slot & 63)
        guard bits[slot >> 6] & mask == 0 else { return false }
        bits[slot >> 6] |= mask
        return true
    }

    /// Clears the slots of `count` SEQNUMs from `first` on (a word at a time: the highest may jump far).
    private mutating func forget(from first: UInt64, count: UInt64) {
        var slot = Int(first & (Self.slots - 1))
        var left = Int(count)
        while left > 0 {
            let bit = slot & 63
            let run = min(64 - bit, left)
            let mask: UInt64 = run == 64 ? ~0 : ((1 << UInt64(run)) - 1) << UInt64(bit)
            bits[slot >> 6] &= ~mask
            slot = (slot + run) & Int(Self.slots - 1)
            left -= run
        }
    }
}
