import ProbeWatchCore

/// Where records go. The event loop calls `flush()` before it waits for input, so nothing sits in a
/// buffer while the daemon is idle; shutdown calls `sync()` on every sink.
public protocol RecordSink: AnyObject {
    func write(_ record: Record)
    /// Hands buffered records to the kernel.
    func flush()
    /// Flushes and makes the records durable.
    func sync()
    /// When the sink has timed work to do (a pending fdatasync, a rate-limit summary); nil: none, so an
    /// idle daemon does not wake up for it.
    var nextDeadlineUsec: Int64? { get }
    /// Does the timed work that is due.
    func tick(nowMonotonicUsec: Int64)
}

extension RecordSink {
    public func sync() { flush() }
    public var nextDeadlineUsec: Int64? { nil }
    public func tick(nowMonotonicUsec: Int64) {}
}
