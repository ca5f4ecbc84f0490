/// When probewatch received an event: wall clock for humans and fleets, monotonic for windows.
public struct EventTime: Sendable, Equatable, Hashable {
    /// Microseconds since the Unix epoch; nil when a replayed capture does not say.
    public var realtimeUsec: Int64?
    /// CLOCK_MONOTONIC microseconds: the clock `udevadm monitor` prints and windows are measured on.
    public var monotonicUsec: Int64

    public init(realtimeUsec: Int64?, monotonicUsec: Int64) {
        self.realtimeUsec = realtimeUsec
        self.monotonicUsec = monotonicUsec
    }
}
