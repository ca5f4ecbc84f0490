import Glibc
import ProbeWatchCore

/// The two clocks every record needs: realtime for humans and fleets, monotonic for windows.
public enum Clock {
    public static func now() -> EventTime {
        EventTime(realtimeUsec: usec(CLOCK_REALTIME), monotonicUsec: usec(CLOCK_MONOTONIC))
    }

    public static func monotonicUsec() -> Int64 { usec(CLOCK_MONOTONIC) }

    /// Both clocks for a burst of events from one reading of each: every event then costs one clock read,
    /// not two. Taken anew at each wakeup, so a step of the wall clock shows from the next burst on.
    public struct Burst {
        private let realtimeMinusMonotonicUsec: Int64?

        public init() {
            let now = Clock.now()
            realtimeMinusMonotonicUsec = now.realtimeUsec.map { $0 - now.monotonicUsec }
        }

        public func now() -> EventTime {
            let monotonic = monotonicUsec()
            return EventTime(realtimeUsec: realtimeMinusMonotonicUsec.map { $0 + monotonic }, monotonicUsec: monotonic)
        }
    }

    private static func usec(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}
