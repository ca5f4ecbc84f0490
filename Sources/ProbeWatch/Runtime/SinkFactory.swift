import Glibc
import Logging
import ProbeWatchCore

/// Builds the outputs `DaemonOptions` ask for, in the order records reach them.
enum SinkFactory {
    /// On a reload, `previous` sinks are reconfigured rather than replaced where they can be: the JSON
    /// log keeps its file (size, rotation count, header), the journal its rate-limit state.
    static func make(_ options: DaemonOptions, reusing previous: [RecordSink] = [], startedRealtimeUsec: Int64,
                     logger: Logger) throws -> [RecordSink] {
        var sinks: [RecordSink] = []
        let context = HostIdentity.current()
        if options.jsonLog?.path != "-", options.console != .none, !stdoutIsTheJournal(options) {
            sinks.append(ConsoleSink(showEvents: options.console.showsEvents))
        }
        if let jsonLog = options.jsonLog {
            if let kept = previous.lazy.compactMap({ $0 as? JSONLinesSink }).first(where: { $0.options.path == jsonLog.path }) {
                kept.reconfigure(jsonLog)
                sinks.append(kept)
            } else {
                sinks.append(try JSONLinesSink(options: jsonLog, context: context,
                                               startedRealtimeUsec: startedRealtimeUsec, logger: logger))
            }
        }
        if let journal = options.journal {
            if let kept = previous.lazy.compactMap({ $0 as? JournalSink }).first {
                kept.reconfigure(journal)
                sinks.append(kept)
            } else {
                sinks.append(JournalSink(options: journal, context: context, logger: logger))
            }
        }
        return sinks
    }

    /// A service's stdout already goes to the journal: with the journal sink on, `auto` console output
    /// would only log every finding twice. $JOURNAL_STREAM is inherited by children, so it counts only
    /// when it names the stdout we have (sd_journal_stream_fd(3): compare device and inode).
    private static func stdoutIsTheJournal(_ options: DaemonOptions) -> Bool {
        guard options.console == .auto, options.journal != nil,
              let value = getenv("JOURNAL_STREAM").map({ String(cString: $0) })
        else { return false }
        var info = stat()
        guard fstat(STDOUT_FILENO, &info) == 0 else { return false }
        return value == "\(info.st_dev):\(info.st_ino)"
    }
}
