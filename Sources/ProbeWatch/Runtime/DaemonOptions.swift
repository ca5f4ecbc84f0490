import ProbeWatchCore

/// Everything `probewatch run` needs, after the configuration file and the flags are resolved.
public struct DaemonOptions: Sendable {
    public var source: UdevMonitor.Source = .kernel
    /// udevd's own choice: bursts at boot or on a storm of hotplug fill smaller buffers.
    public var receiveBufferBytes = 128 * 1024 * 1024
    /// nil: no JSON log.
    public var jsonLog: JSONLogOptions?
    /// nil: nothing to the journal.
    public var journal: JournalOptions? = JournalOptions()
    public var modulesDirectory: String?
    public var probeTimeoutUsec: Int64 = 30_000_000
    public var reorderWindowUsec: Int64 = 20_000
    public var console = ConsoleMode.auto
    /// Test-only: SIGUSR2 freezes the event loop, so a test can watch systemd's watchdog act.
    public var freezeOnSIGUSR2 = false

    public init() {}

    /// Settings that only a restart can change: the monitor and the model are built from them.
    public func restartOnlyDifferences(from other: DaemonOptions) -> [String] {
        var names: [String] = []
        if source != other.source { names.append("Source") }
        if receiveBufferBytes != other.receiveBufferBytes { names.append("ReceiveBufferSize") }
        if modulesDirectory != other.modulesDirectory { names.append("ModulesDirectory") }
        if reorderWindowUsec != other.reorderWindowUsec { names.append("ReorderWindow") }
        return names
    }
}

/// What goes to the journal and how fast.
public struct JournalOptions: Sendable, Equatable {
    public var policy = JournalPolicy()
    public var rateLimitIntervalUsec: Int64 = 30_000_000
    public var rateLimitBurst = 1000

    public init() {}
}
