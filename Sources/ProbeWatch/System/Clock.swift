import Glibc
import ProbeWatchCore

/// The two clocks every record needs: realtime for humans and fleets, monotonic for windows.
public enum Clock {
    public static func now() -> EventTime {
        EventTime(realtimeUsec: usec(CLOCK_REALTIME), monotonicUsec: usec(CLOCK_MONOTONIC))
    }

    public static func monotonicUsec() -> Int64 { usec(CLOCK_MONOTONIC) }

    private static func usec(_ clock: clockid_t) -> Int64 {
        var spec = timespec()
        clock_gettime(clock, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}
