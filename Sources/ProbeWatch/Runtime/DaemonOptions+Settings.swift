import Glibc
import ProbeWatchCore

extension DaemonOptions {
    /// The daemon's options as the configuration file describes them, before flags override any.
    public init(_ settings: Settings) {
        self.init()
        source = UdevMonitor.Source(rawValue: settings.source.rawValue) ?? .kernel
        receiveBufferBytes = settings.receiveBufferBytes
        reorderWindowUsec = settings.reorderWindowUsec
        modulesDirectory = settings.modulesDirectory
        probeTimeoutUsec = settings.probeTimeoutUsec
        jsonLog = (settings.jsonLogPath ?? Self.serviceLogPath()).map { JSONLogOptions(path: $0, settings) }
        journal = settings.journalEnabled ? JournalOptions(settings) : nil
        console = ConsoleMode(rawValue: settings.console.rawValue) ?? .auto
    }

    /// Under a unit with LogsDirectory=, the JSON log goes there unless the configuration names a path.
    static func serviceLogPath() -> String? {
        guard let directory = getenv("LOGS_DIRECTORY").map({ String(cString: $0) }), !directory.isEmpty else {
            return nil
        }
        // LogsDirectory= may list several, separated by colons: the first is ours.
        return String(directory.split(separator: ":").first ?? "") + "/probewatch.jsonl"
    }
}

extension JSONLogOptions {
    /// The log at `path` (a flag may name another than the file's), written as the settings say.
    public init(path: String, _ settings: Settings) {
        self.init(path: path)
        includeEvents = settings.includeEventRecords
        maxFileBytes = settings.jsonLogMaxFileBytes
        maxFiles = settings.jsonLogMaxFiles
        syncIntervalUsec = settings.jsonLogSyncIntervalUsec
    }
}

extension JournalOptions {
    public init(_ settings: Settings) {
        self.init()
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
