import CSystemd
import Glibc

/// Talks to the service manager through sd_notify(3): READY=1 once the monitor receives and the snapshot
/// is loaded, STATUS= with live counters, WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 and STOPPING=1.
/// Outside a `Type=notify` service (no $NOTIFY_SOCKET) every call is a cheap no-op.
public final class ServiceNotifier {
    /// How often STATUS= may change: the counters move with every event, systemd need not.
    private let statusIntervalUsec: Int64 = 1_000_000
    private let watchdogIntervalUsec: Int64?
    private var nextWatchdogUsec: Int64?
    private var pendingStatus: String?
    private var lastStatus: String?
    private var nextStatusUsec: Int64 = 0
    /// Outside a notify service the counters need not even be formatted, on every wakeup.
    private let hasManager = getenv("NOTIFY_SOCKET") != nil

    public init() {
        var usec: UInt64 = 0
        // The manager expects a ping within WATCHDOG_USEC; pinging at half leaves room for a slow wakeup.
        watchdogIntervalUsec = sd_watchdog_enabled(0, &usec) > 0 ? Int64(usec / 2) : nil
    }

    public func ready(status: String) {
        notify("READY=1\nSTATUS=\(status)")
        lastStatus = status
        scheduleWatchdog(from: Clock.monotonicUsec())
    }

    /// Records a new status; it is sent now, or at the next tick once the interval allows.
    public func status(_ make: @autoclosure () -> String) {
        guard hasManager else { return }
        let status = make()
        guard status != lastStatus else { return }
        pendingStatus = status
        tick(nowMonotonicUsec: Clock.monotonicUsec())
    }

    public func reloading() {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Clock.monotonicUsec())\nSTATUS=Reloading configuration")
    }

    public func stopping() {
        notify("STOPPING=1\nSTATUS=Stopping: flushing records")
    }

    public var nextDeadlineUsec: Int64? {
        [nextWatchdogUsec, pendingStatus == nil ? nil : nextStatusUsec].compactMap { $0 }.min()
    }

    public func tick(nowMonotonicUsec now: Int64) {
        if let status = pendingStatus, now >= nextStatusUsec {
            notify("STATUS=\(status)")
            lastStatus = status
            pendingStatus = nil
            nextStatusUsec = now + statusIntervalUsec
        }
        if let due = nextWatchdogUsec, now >= due {
            notify("WATCHDOG=1")
            scheduleWatchdog(from: now)
        }
    }

    private func scheduleWatchdog(from now: Int64) {
        nextWatchdogUsec = watchdogIntervalUsec.map { now + $0 }
    }

    private func notify(_ state: String) {
        _ = sd_notify(0, state)
    }
}
