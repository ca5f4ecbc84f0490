import ProbeWatchCore

/// Where records go. Shutdown calls `flush()` on every sink, in one place (`Pipeline.finish`).
public protocol RecordSink: AnyObject {
    func write(_ record: Record)
    func flush()
}
