import ProbeWatchCore

/// Everything `probewatch run` needs, after flags (and later the config file) are resolved.
public struct DaemonOptions: Sendable {
    public var source: UdevMonitor.Source = .kernel
    /// udevd's own choice: bursts at boot or on a storm of hotplug fill smaller buffers.
    public var receiveBufferBytes = 128 * 1024 * 1024
    /// nil: no JSON log; "-": stdout.
    public var jsonLogPath: String?
    public var includeEventRecords = true
    public var modulesDirectory: String?
    public var probeTimeoutUsec: Int64 = 30_000_000
    public var reorderWindowUsec: Int64 = 20_000
    public var console = ConsoleMode.auto

    public init() {}
}
