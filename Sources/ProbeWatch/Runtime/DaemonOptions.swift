import ProbeWatchCore

/// Everything `probewatch run` needs, after the configuration file and the flags are resolved. The
/// defaults are `Settings()`'s: one place says what they are.
public struct DaemonOptions: Sendable {
    public var source: UdevMonitor.Source
    /// udevd's own choice by default: bursts at boot or on a storm of hotplug fill smaller buffers.
    public var receiveBufferBytes: Int
    /// nil: no JSON log.
    public var jsonLog: JSONLogOptions?
    /// nil: nothing to the journal.
    public var journal: JournalOptions?
    public var modulesDirectory: String?
    public var probeTimeoutUsec: Int64
    public var timelineEntries: Int
    public var removedDevicesKept: Int
    public var reorderWindowUsec: Int64
    public var console: ConsoleMode
    /// The kernel log to correlate (/dev/kmsg, or a FIFO or file in its format); nil: none.
    public var kmsgPath: String?
    /// Test-only: SIGUSR2 freezes the event loop, so a test can watch systemd's watchdog act.
    public var freezeOnSIGUSR2 = false

    public init(_ settings: Settings = Settings()) {
        source = settings.source
        receiveBufferBytes = settings.receiveBufferBytes
        reorderWindowUsec = settings.reorderWindowUsec
        modulesDirectory = settings.modulesDirectory
        probeTimeoutUsec = settings.probeTimeoutUsec
        timelineEntries = settings.timelineEntries
        removedDevicesKept = settings.removedDevicesKept
        jsonLog = (settings.jsonLogPath ?? Self.serviceLogPath()).map { JSONLogOptions(path: $0, settings) }
        journal = settings.journalEnabled ? JournalOptions(settings) : nil
        console = settings.console
        kmsgPath = settings.kmsgEnabled ? settings.kmsgPath : nil
    }

    /// What a SIGHUP reload may change. The monitor and the model were built from the rest, which keeps
    /// its running values; their names are returned so the daemon can say they need a restart.
    public func reloaded(to new: DaemonOptions) -> (options: DaemonOptions, needRestart: [String]) {
        var options = new
        var needRestart: [String] = []
        func keep<Value: Equatable>(_ name: String, _ property: WritableKeyPath<DaemonOptions, Value>) {
            if new[keyPath: property] != self[keyPath: property] { needRestart.append(name) }
            options[keyPath: property] = self[keyPath: property]
        }
        keep("Source", \.source)
        keep("ReceiveBufferSize", \.receiveBufferBytes)
        keep("ModulesDirectory", \.modulesDirectory)
        keep("ReorderWindow", \.reorderWindowUsec)
        keep("Kmsg", \.kmsgPath)
        keep("TimelineEntries", \.timelineEntries)
        keep("RemovedDevicesKept", \.removedDevicesKept)
        return (options, needRestart)
    }
}

/// What goes to the journal and how fast.
public struct JournalOptions: Sendable, Equatable {
    public var policy: JournalPolicy
    public var rateLimitIntervalUsec: Int64
    public var rateLimitBurst: Int

    public init(_ settings: Settings = Settings()) {
        let probePriority: JournalPriority? = switch settings.journalProbes {
        case .info: .info
        case .debug: .debug
        case .no: nil
        }
        policy = JournalPolicy(probePriority: probePriority, events: settings.journalEvents)
        rateLimitIntervalUsec = settings.journalRateLimitIntervalUsec
        rateLimitBurst = settings.journalRateLimitBurst
    }
}
