import Glibc
import ProbeWatchCore

extension DaemonOptions {
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
