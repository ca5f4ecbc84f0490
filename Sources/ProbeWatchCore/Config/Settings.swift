/// probewatch's configuration as `probewatch.conf` and its drop-ins describe it. Every key lives in one
/// table (`Settings.keys`): its section, its name, the property it sets and its value syntax, so parsing,
/// resetting and rendering can never disagree, and adding a key is one line.
public struct Settings: Sendable, Equatable {
    /// Which netlink group to monitor: the kernel's uevents, or udevd's processed copies.
    public enum Source: String, Sendable, CaseIterable {
        case kernel, udev
    }

    /// At which journal priority completed probes are logged, or not at all.
    public enum ProbeLogLevel: String, Sendable, CaseIterable {
        case info, debug, no
    }

    /// Human output on stdout in the foreground.
    public enum ConsoleMode: String, Sendable, CaseIterable {
        case auto, events, findings, none
    }

    // [Monitor]
    public var source = Source.kernel
    public var receiveBufferBytes = 128 * 1024 * 1024
    public var reorderWindowUsec: Int64 = 20_000
    /// nil: the running kernel's.
    public var modulesDirectory: String?
    // [Probes]
    public var probeTimeoutUsec: Int64 = 30_000_000
    /// Timeline entries kept per device: memory stays flat on long runs.
    public var timelineEntries = 64
    /// Removed devices whose history is kept before the oldest are forgotten.
    public var removedDevicesKept = 4096
    // [JSONLog]
    /// nil: no JSON log; "-": stdout.
    public var jsonLogPath: String?
    public var includeEventRecords = true
    /// 0: never rotate.
    public var jsonLogMaxFileBytes = 64 * 1024 * 1024
    /// Rotated files kept besides the live one (`.1` … `.N`).
    public var jsonLogMaxFiles = 5
    /// fdatasync at most this long after a write.
    public var jsonLogSyncIntervalUsec: Int64 = 5_000_000
    // [Journal]
    public var journalEnabled = true
    public var journalProbes = ProbeLogLevel.info
    /// Raw uevents to the journal too.
    public var journalEvents = false
    public var journalRateLimitIntervalUsec: Int64 = 30_000_000
    public var journalRateLimitBurst = 1000
    // [Kmsg]
    /// Read the kernel log for probe failures and deferrals.
    public var kmsgEnabled = true
    public var kmsgPath = "/dev/kmsg"
    // [Output]
    public var console = ConsoleMode.auto

    public init() {}

    /// The table. Keys of one section stay together: `rendered()` writes them in this order.
    static let keys: [SettingKey] = [
        SettingKey("Monitor", "Source", \.source, .choice),
        SettingKey("Monitor", "ReceiveBufferSize", \.receiveBufferBytes,
                   .bytes.requiring("greater than 0") { $0 > 0 }),
        SettingKey("Monitor", "ReorderWindow", \.reorderWindowUsec, .timeSpan),
        SettingKey("Monitor", "ModulesDirectory", \.modulesDirectory, .absolutePath),
        SettingKey("Probes", "ProbeTimeout", \.probeTimeoutUsec, .timeSpan.requiring("greater than 0") { $0 > 0 }),
        SettingKey("Probes", "TimelineEntries", \.timelineEntries, .integer(in: 1...100_000)),
        SettingKey("Probes", "RemovedDevicesKept", \.removedDevicesKept, .integer(in: 0...10_000_000)),
        SettingKey("JSONLog", "Path", \.jsonLogPath, .absolutePathOrStdout),
        SettingKey("JSONLog", "EventRecords", \.includeEventRecords, .boolean),
        SettingKey("JSONLog", "MaxFileSize", \.jsonLogMaxFileBytes,
                   .bytes.requiring("0 (never rotate) or at least 64K") { $0 == 0 || $0 >= 64 * 1024 }),
        SettingKey("JSONLog", "MaxFiles", \.jsonLogMaxFiles, .integer(in: 1...100)),
        SettingKey("JSONLog", "SyncInterval", \.jsonLogSyncIntervalUsec,
                   .timeSpan.requiring("greater than 0") { $0 > 0 }),
        SettingKey("Journal", "Enabled", \.journalEnabled, .boolean),
        SettingKey("Journal", "Probes", \.journalProbes, .choice),
        SettingKey("Journal", "Events", \.journalEvents, .boolean),
        SettingKey("Journal", "RateLimitIntervalSec", \.journalRateLimitIntervalUsec,
                   .timeSpan.requiring("greater than 0") { $0 > 0 }),
        SettingKey("Journal", "RateLimitBurst", \.journalRateLimitBurst, .integer(in: 1...Int.max)),
        SettingKey("Kmsg", "Enabled", \.kmsgEnabled, .boolean),
        SettingKey("Kmsg", "Path", \.kmsgPath, ValueSyntax<String?>.absolutePath.required),
        SettingKey("Output", "Console", \.console, .choice),
    ]

    /// Applies one file's entries in order, so a later entry (or a later file) wins. All or nothing:
    /// on an error `self` is unchanged.
    public mutating func apply(_ file: ConfigFile) throws(ConfigError) {
        var result = self
        for entry in file.entries {
            try result.apply(entry, from: file.path)
        }
        self = result
    }

    private mutating func apply(_ entry: ConfigFile.Entry, from path: String) throws(ConfigError) {
        var error = ConfigError(path: path, line: entry.line, section: entry.section, key: entry.key, message: "")
        guard let key = Self.key(entry.section, entry.key, unknown: &error) else { throw error }
        guard !entry.value.isEmpty else { return key.reset(&self) }
        do {
            try key.apply(&self, entry.value)
        } catch {
            throw ConfigError(path: path, line: entry.line, section: entry.section, key: entry.key,
                              value: entry.value, message: error.message)
        }
    }

    /// The key's descriptor, or nil with `error.message` saying what is unknown.
    private static func key(_ section: String, _ name: String, unknown error: inout ConfigError) -> SettingKey? {
        let inSection = keys.filter { $0.section == section }
        if let key = inSection.first(where: { $0.name == name }) { return key }
        if inSection.isEmpty {
            error.message = "unknown section"
        } else if let near = inSection.first(where: { $0.name.lowercased() == name.lowercased() }) {
            error.message = "unknown key (did you mean \(near.name)?)"
        } else {
            error.message = "unknown key"
        }
        return nil
    }

    /// The effective configuration as a config file: every section and key, with current values.
    public func rendered() -> String {
        var lines: [String] = []
        var section: String?
        for key in Self.keys {
            if key.section != section {
                if section != nil { lines.append("") }
                lines.append("[\(key.section)]")
                section = key.section
            }
            lines.append("\(key.name)=\(key.render(self))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
