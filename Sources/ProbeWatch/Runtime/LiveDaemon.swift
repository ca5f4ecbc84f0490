import Glibc
import Logging
import ProbeWatchCore

/// `probewatch run`: one thread, one poll() over the monitor socket and a signalfd, and a timeout only
/// while something is waiting (a held event or a pending probe), so an idle daemon does not wake up.
public final class LiveDaemon {
    private let options: DaemonOptions
    private let logger: Logger
    private let sinks: [RecordSink]
    private var pipeline: EventPipeline
    private let monitor: UdevMonitor
    private let signals: SignalWatcher
    /// Upper bound of messages read per wakeup, so signals are seen during a storm.
    private let batchLimit = 4096

    public init(options: DaemonOptions, logger: Logger) throws {
        self.options = options
        self.logger = logger
        signals = try SignalWatcher(signals: [SIGTERM, SIGINT])
        let resolver = try ModaliasResolver(directory: options.modulesDirectory, logger: logger)
        var configuration = ProbeTracker.Configuration()
        configuration.probeTimeoutUsec = options.probeTimeoutUsec
        configuration.modulesForModalias = resolver.modules(for:)
        configuration.moduleOfDriver = SysfsSnapshot.moduleOfDriver
        pipeline = EventPipeline(tracker: ProbeTracker(configuration: configuration),
                                 reorderWindowUsec: options.reorderWindowUsec)
        sinks = try Self.makeSinks(options, logger: logger)
        // Receiving starts before the scan, so whatever changes during it arrives as events afterwards.
        monitor = try UdevMonitor(source: options.source, requestedBufferBytes: options.receiveBufferBytes,
                                  logger: logger)
    }

    private static func makeSinks(_ options: DaemonOptions, logger: Logger) throws -> [RecordSink] {
        var sinks: [RecordSink] = []
        if options.jsonLogPath != "-", options.console != .none {
            sinks.append(ConsoleSink(showEvents: options.console.showsEvents))
        }
        if let path = options.jsonLogPath {
            sinks.append(try JSONLinesSink(path: path, context: HostIdentity.current(),
                                           includeEvents: options.includeEventRecords, logger: logger))
        }
        return sinks
    }

    public func run() throws {
        let snapshot = try SysfsSnapshot.take()
        pipeline.loadSnapshot(snapshot, at: Clock.now(), emit: write)
        flush()
        logger.info("monitoring uevents", metadata: [
            "source": "\(options.source.rawValue)", "receive_buffer": "\(monitor.receiveBufferBytes)",
        ])
        var running = true
        while running {
            let ready = waitForInput()
            if ready.monitor { drainMonitor() }
            if ready.signals { running = !signals.pending().contains { $0 == SIGTERM || $0 == SIGINT } }
            pipeline.tick(Clock.now(), emit: write)
            flush()
        }
        pipeline.finish(at: Clock.now(), emit: write)
        for sink in sinks { sink.sync() }
        logger.info("stopped", metadata: ["events": "\(pipeline.summary.events)", "races": "\(pipeline.summary.races)"])
    }

    private func waitForInput() -> (monitor: Bool, signals: Bool) {
        var fds = [
            pollfd(fd: monitor.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0),
        ]
        let result = poll(&fds, nfds_t(fds.count), pollTimeoutMilliseconds())
        guard result > 0 else { return (false, false) }
        // POLLERR is how the socket reports ENOBUFS; reading clears it (no busy loop on the error).
        return (fds[0].revents != 0, fds[1].revents != 0)
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        guard let deadline = pipeline.nextDeadlineUsec else { return -1 }
        let remaining = deadline - Clock.monotonicUsec()
        return remaining <= 0 ? 0 : Int32(clamping: (remaining + 999) / 1000)
    }

    private func drainMonitor() {
        for _ in 0..<batchLimit {
            switch monitor.receive(at: Clock.now()) {
            case .event(let event): pipeline.ingest(event, emit: write)
            case .malformed:
                pipeline.malformed()
                let count = pipeline.summary.malformed
                if count == 1 || count.isMultiple(of: 1000) {
                    logger.warning("libudev rejected malformed uevents (EINVAL); continuing",
                                   metadata: ["malformed_total": "\(count)"])
                }
            case .overflow: handleOverflow()
            case .nothing: return
            }
        }
    }

    private func handleOverflow() {
        logger.warning("the kernel dropped uevents (ENOBUFS); re-reading sysfs")
        pipeline.overflow(at: Clock.now(), resnapshot: resnapshot, emit: write)
    }

    private func resnapshot() -> SystemSnapshot? {
        do {
            return try SysfsSnapshot.take()
        } catch {
            logger.error("sysfs snapshot after overflow failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    private func write(_ record: Record) {
        for sink in sinks { sink.write(record) }
    }

    private func flush() {
        for sink in sinks { sink.flush() }
    }
}
