import ArgumentParser
import Logging
import ProbeWatchCore

/// Options shared by the live daemon and the offline replay, so both run the identical pipeline.
struct CommonOptions: ParsableArguments {
    @Option(name: .customLong("json-log"), help: ArgumentHelp(
        "Write JSON Lines records to this file ('-' for stdout, which also silences the human output).",
        valueName: "path"))
    var jsonLog: String?

    @Flag(name: .customLong("no-event-records"), help: "Leave raw uevents out of the JSON log; keep findings.")
    var noEventRecords = false

    @Option(name: .customLong("modules-dir"), help: ArgumentHelp(
        "Module directory with modules.alias.bin for MODALIAS lookups (default: the running kernel's).",
        valueName: "dir"))
    var modulesDir: String?

    @Option(name: .customLong("probe-timeout"), help: ArgumentHelp(
        "Report a probe pending longer than this as stalled (e.g. 30s, 500ms; default 30s).", valueName: "span"))
    var probeTimeout: String?

    @Option(name: .customLong("reorder-window"), help: ArgumentHelp(
        "How long an out-of-order uevent waits for lower SEQNUMs (default 20ms).", valueName: "span"))
    var reorderWindow: String?

    @Option(name: .customLong("log-level"), help: "Diagnostics on stderr: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    /// nil: not given, the configuration (or the default) decides.
    func probeTimeoutUsec() throws -> Int64? { try span(probeTimeout, option: "--probe-timeout") }
    func reorderWindowUsec() throws -> Int64? { try span(reorderWindow, option: "--reorder-window") }

    private func span(_ text: String?, option: String) throws -> Int64? {
        guard let text else { return nil }
        do {
            return try TimeSpan.parseUsec(text)
        } catch {
            throw ValidationError("\(option): \(error)")
        }
    }

    func makeLogger() -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = logLevel
            return handler
        }
        return Logger(label: "probewatch")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
