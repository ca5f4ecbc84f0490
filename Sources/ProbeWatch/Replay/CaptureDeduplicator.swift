import ProbeWatchCore

/// A capture of `udevadm monitor` shows each event twice, KERNEL then UDEV: one event, not two.
/// With SEQNUM the twins share it; plain captures have none, so a UDEV line is the twin of the oldest
/// unmatched KERNEL line with the same action and DEVPATH. A UDEV-only capture keeps every event.
struct CaptureDeduplicator {
    private var seenSeqnums = Set<UInt64>()
    private var highestSeqnum: UInt64 = 0
    private var kernelAwaitingTwin: [String: Int] = [:]
    /// SEQNUMs further back than this can no longer have a twin coming; forgetting them bounds memory.
    private let seqnumMemory: UInt64 = 100_000

    mutating func admit(_ event: UEvent) -> Bool {
        if let seqnum = event.seqnum { return admitSeqnum(seqnum) }
        let key = event.action.rawValue + " " + event.devpath
        if event.source == .udev, let waiting = kernelAwaitingTwin[key], waiting > 0 {
            kernelAwaitingTwin[key] = waiting == 1 ? nil : waiting - 1
            return false
        }
        if event.source == .kernel { kernelAwaitingTwin[key, default: 0] += 1 }
        return true
    }

    private mutating func admitSeqnum(_ seqnum: UInt64) -> Bool {
        guard seenSeqnums.insert(seqnum).inserted else { return false }
        highestSeqnum = max(highestSeqnum, seqnum)
        if seenSeqnums.count > Int(seqnumMemory) * 2 {
            seenSeqnums = seenSeqnums.filter { highestSeqnum - $0 < seqnumMemory }  // no overflow near UInt64.max
        }
        return true
    }
}
