import ProbeWatchCore

/// Where records go. The event loop calls `flush()` before it waits for input, so nothing sits in a
/// buffer while the daemon is idle; shutdown calls `sync()` on every sink.
public protocol RecordSink: AnyObject {
    func write(_ record: Record)
    /// Hands buffered records to the kernel.
    func flush()
    /// Flushes and makes the records durable.
    func sync()
}

extension RecordSink {
    public func sync() { flush() }
}
