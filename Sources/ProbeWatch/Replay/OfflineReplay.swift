import Logging
import ProbeWatchCore

public struct ReplayOptions: Sendable {
    public var format = ReplayFormat.auto
    public var jsonLogPath: String?
    public var includeEventRecords = true
    public var modulesDirectory: String?
    public var probeTimeoutUsec: Int64 = 30_000_000
    public var reorderWindowUsec: Int64 = 20_000
    public init() {}
}

/// `probewatch replay`: the live pipeline, fed from files, with time taken from the recorded events.
public final class OfflineReplay {
    private let options: ReplayOptions
    private let logger: Logger
    private let sinks: [RecordSink]
    /// Used for every event, by this class only, on the replay's one thread: no run-time exclusivity check.
    @exclusivity(unchecked) private var pipeline: EventPipeline
    /// Records of the batch being tracked, to be written once it is.
    @exclusivity(unchecked) private var queued: [Record] = []

    public init(options: ReplayOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        let resolver = try ModaliasResolver(directory: options.modulesDirectory, logger: logger)
        var configuration = ProbeTracker.Configuration()
        configuration.probeTimeoutUsec = options.probeTimeoutUsec
        configuration.modulesForModalias = resolver.modules(for:)
        pipeline = EventPipeline(tracker: ProbeTracker(configuration: configuration),
                                 reorderWindowUsec: options.reorderWindowUsec)
        // Only the JSON log shows valid events (the console here shows none).
        pipeline.emitsValidEvents = options.jsonLogPath != nil && options.includeEventRecords
        var sinks: [RecordSink] = []
        if options.jsonLogPath != "-" { sinks.append(ConsoleSink(showEvents: false)) }
        if let path = options.jsonLogPath {
            var jsonLog = JSONLogOptions(path: path)
            jsonLog.includeEvents = options.includeEventRecords
            sinks.append(try JSONLinesSink(options: jsonLog, context: HostIdentity.current(),
                                           startedRealtimeUsec: Clock.now().realtimeUsec ?? 0, logger: logger))
        }
        self.sinks = sinks
    }

    /// A file that cannot be read ends the replay, but what the files before it held is still settled and
    /// written (findings, the summary) before the error is passed on: nothing read is lost.
    public func run(files: [String]) throws {
        var lastTime = EventTime(realtimeUsec: nil, monotonicUsec: 0)
        var failure: (any Error)?
        for path in files {
            do {
                try replay(path) { lastTime = $0 }
            } catch {
                failure = error
                break
            }
        }
        pipeline.tick(lastTime, emit: write)
        pipeline.finish(at: lastTime, emit: write)
        for sink in sinks { sink.sync() }
        if let failure { throw failure }
    }

    private func replay(_ path: String, lastTime: (EventTime) -> Void) throws {
        var input = ReplayInput(path: path, format: options.format, logger: logger)
        input.keepsAllProperties = pipeline.emitsValidEvents  // no record shows a valid event's properties otherwise
        // Unowned: the reading loop, into which this closure is specialized, retained `self` at each place
        // that might hand on a batch, at every line (ten retains and releases per event); `self` outlives
        // the call, which returns before this method does.
        let counts = try input.read { [unowned(unsafe) self] batch in track(batch, lastTime: lastTime) }
        logger.info("replayed \(path)", metadata: [
            "format": "\(counts.format.rawValue)", "events": "\(counts.events)",
            "duplicates": "\(counts.duplicates)", "skipped_lines": "\(counts.skippedLines)",
        ])
        if counts.events == 0 { logger.warning("\(path): no events found") }
    }

    /// A batch's records are written after the batch: the sinks' code, too, is then run in one stretch
    /// rather than between the tracker's (see ReplayInput.batchSize).
    private func track(_ batch: [UEvent], lastTime: (EventTime) -> Void) {
        for event in batch {
            lastTime(event.received)
            pipeline.ingest(event) { queued.append($0) }
        }
        for record in queued { write(record) }
        queued.removeAll(keepingCapacity: true)
    }

    private func write(_ record: Record) {
        for sink in sinks { sink.write(record) }
    }
}
