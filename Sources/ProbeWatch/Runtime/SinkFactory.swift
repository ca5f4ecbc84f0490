import Glibc
import Logging
import ProbeWatchCore

/// Builds the outputs `DaemonOptions` ask for, in the order records reach them.
enum SinkFactory {
    static func make(_ options: DaemonOptions, startedRealtimeUsec: Int64, logger: Logger) throws -> [RecordSink] {
        var sinks: [RecordSink] = []
        let context = HostIdentity.current()
        if options.jsonLog?.path != "-", options.console != .none, !stdoutIsTheJournal(options) {
            sinks.append(ConsoleSink(showEvents: options.console.showsEvents))
        }
        if let jsonLog = options.jsonLog {
            sinks.append(try JSONLinesSink(options: jsonLog, context: context,
                                           startedRealtimeUsec: startedRealtimeUsec, logger: logger))
        }
        if let journal = options.journal {
            sinks.append(JournalSink(policy: journal.policy, rateLimitIntervalUsec: journal.rateLimitIntervalUsec,
                                     rateLimitBurst: journal.rateLimitBurst, context: context, logger: logger))
        }
        return sinks
    }

    /// A service's stdout already goes to the journal (systemd sets $JOURNAL_STREAM): with the journal
    /// sink on, `auto` console output would only log every finding twice.
    private static func stdoutIsTheJournal(_ options: DaemonOptions) -> Bool {
        options.console == .auto && options.journal != nil && getenv("JOURNAL_STREAM") != nil
    }
}
