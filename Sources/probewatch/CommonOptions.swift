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
        "Report a probe pending longer than this as stalled (e.g. 30s, 500ms).", valueName: "span"))
    var probeTimeout = "30s"

    @Option(name: .customLong("reorder-window"), help: ArgumentHelp(
        "How long an out-of-order uevent waits for lower SEQNUMs.", valueName: "span"))
    var reorderWindow = "20ms"

    @Option(name: .customLong("log-level"), help: "Diagnostics on stderr: trace, debug, info, notice, warning, error.")
    var logLevel: Logger.Level = .info

    func probeTimeoutUsec() throws -> Int64 { try span(probeTimeout, option: "--probe-timeout") }
    func reorderWindowUsec() throws -> Int64 { try span(reorderWindow, option: "--reorder-window") }

    private func span(_ text: String, option: String) throws -> Int64 {
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
