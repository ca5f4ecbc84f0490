import Glibc
import Logging
import ProbeWatchCore

/// `probewatch run`: one thread, one poll() over the monitor socket and a signalfd, and a timeout only
/// while something is waiting (a held event, a pending probe, an fdatasync, the watchdog), so an idle
/// daemon does not wake up but for the watchdog.
public final class LiveDaemon {
    private var options: DaemonOptions
    private let reloadOptions: () throws -> DaemonOptions
    private let logger: Logger
    // Used for every event, on this one thread, by this class only: no dynamic exclusivity check, which
    // cost more than the access.
    @exclusivity(unchecked) private var sinks: [RecordSink]
    @exclusivity(unchecked) private var pipeline: EventPipeline
    private let monitor: UdevMonitor
    private let kernelLog: KmsgReader?
    private let signals: SignalWatcher
    private let notifier = ServiceNotifier()
    private let startedRealtimeUsec = Clock.now().realtimeUsec ?? 0
    /// Upper bound of messages read per wakeup, so signals are seen during a storm.
    private let batchLimit = 4096
    /// Uevents received before they are tracked (see `drainMonitor`): kept between stages so that a stage
    /// does not allocate.
    private let stageSize = 64
    @exclusivity(unchecked) private var staged: [UEvent] = []

    /// `reloadOptions` re-reads the configuration on SIGHUP (the flags still override it).
    public init(options: DaemonOptions, reloadOptions: @escaping () throws -> DaemonOptions, logger: Logger) throws {
        self.options = options
        self.reloadOptions = reloadOptions
        self.logger = logger
        signals = try SignalWatcher(signals: [SIGTERM, SIGINT, SIGHUP, SIGUSR2])
        let resolver = try ModaliasResolver(directory: options.modulesDirectory, logger: logger)
        var configuration = ProbeTracker.Configuration()
        configuration.probeTimeoutUsec = options.probeTimeoutUsec
        configuration.timelineLimit = options.timelineEntries
        configuration.removedDeviceLimit = options.removedDevicesKept
        configuration.modulesForModalias = resolver.modules(for:)
        configuration.moduleOfDriver = SysfsSnapshot.moduleOfDriver
        pipeline = EventPipeline(tracker: ProbeTracker(configuration: configuration),
                                 reorderWindowUsec: options.reorderWindowUsec)
        sinks = try SinkFactory.make(options, startedRealtimeUsec: startedRealtimeUsec, logger: logger)
        // Receiving starts before the scan, so whatever changes during it arrives as events afterwards.
        monitor = try UdevMonitor(source: options.source, requestedBufferBytes: options.receiveBufferBytes,
                                  logger: logger)
        kernelLog = try Self.openKernelLog(options.kmsgPath, logger: logger)
    }

    /// /dev/kmsg may be closed to us (kernel.dmesg_restrict without CAP_SYSLOG): the daemon then runs
    /// without it and says so. Any other path was asked for by name, and failing to open it is an error.
    private static func openKernelLog(_ path: String?, logger: Logger) throws -> KmsgReader? {
        guard let path else { return nil }
        do {
            return try KmsgReader(path: path, logger: logger)
        } catch where path == "/dev/kmsg" {
            logger.warning("cannot read the kernel log; findings will not be explained by probe failures",
                           metadata: ["error": "\(error)"])
            return nil
        }
    }

    public func run() throws {
        let snapshot = try SysfsSnapshot.take()
        pipeline.loadSnapshot(snapshot, at: Clock.now(), emit: write)
        flush()
        logger.info("monitoring uevents", metadata: [
            "source": "\(options.source.rawValue)", "receive_buffer": "\(monitor.receiveBufferBytes)",
        ])
        notifier.ready(status: status())
        var running = true
        while running {
            let ready = waitForInput()
            // Uevents first: a probe's kernel log line must find the device its `add` announced.
            if ready.monitor { drainMonitor() }
            if ready.kernelLog { drainKernelLog() }
            if ready.signals { running = handleSignals() }
            pipeline.tick(Clock.now(), emit: write)
            tickSinksAndFlush()
            notifier.status(status())
            notifier.tick(nowMonotonicUsec: Clock.monotonicUsec())
        }
        notifier.stopping()
        pipeline.finish(at: Clock.now(), endOfInput: false, emit: write)
        for sink in sinks { sink.sync() }
        logger.info("stopped", metadata: ["events": "\(pipeline.summary.events)", "races": "\(pipeline.summary.races)"])
    }

    /// Returns false when the daemon should stop.
    private func handleSignals() -> Bool {
        let received = signals.pending()
        if received.contains(SIGUSR2), options.freezeOnSIGUSR2 { freezeForWatchdogTest() }
        if received.contains(SIGHUP) { reload() }
        return !received.contains { $0 == SIGTERM || $0 == SIGINT }
    }

    private func status() -> String {
        let summary = pipeline.summary
        return "\(summary.events) events, \(summary.probes) probes, \(summary.races) races, \(summary.lost) overflows"
    }

    private func waitForInput() -> (monitor: Bool, signals: Bool, kernelLog: Bool) {
        var fds = [
            pollfd(fd: monitor.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: kernelLog?.fileDescriptor ?? -1, events: Int16(POLLIN), revents: 0),  // -1: ignored
        ]
        let result = poll(&fds, nfds_t(fds.count), pollTimeoutMilliseconds())
        guard result > 0 else { return (false, false, false) }
        // POLLERR is how the socket reports ENOBUFS; reading clears it (no busy loop on the error).
        return (fds[0].revents != 0, fds[1].revents != 0, fds[2].revents != 0)
    }

    /// Kernel log records carry the printk clock, which is taken as CLOCK_MONOTONIC; their wall-clock
    /// time is derived from the offset between the two clocks now.
    private func drainKernelLog() {
        guard let kernelLog else { return }
        for record in kernelLog.read() {
            let now = Clock.now()
            let realtime = now.realtimeUsec.map { $0 - (now.monotonicUsec - record.monotonicUsec) }
            pipeline.ingest(kernelLog: record, at: EventTime(realtimeUsec: realtime, monotonicUsec: record.monotonicUsec),
                            emit: write)
        }
    }

    private func pollTimeoutMilliseconds() -> Int32 {
        let deadlines = [pipeline.nextDeadlineUsec, notifier.nextDeadlineUsec] + sinks.map(\.nextDeadlineUsec)
        guard let deadline = deadlines.compactMap({ $0 }).min() else { return -1 }
        let remaining = deadline - Clock.monotonicUsec()
        return remaining <= 0 ? 0 : Int32(clamping: (remaining + 999) / 1000)
    }

    /// Uevents are taken in stages: up to `stageSize` received and decoded, then run through the pipeline
    /// and written. libudev's and the decoder's code then runs for many uevents in a row instead of being
    /// evicted from the caches by the tracker's and the encoders' at every one.
    private func drainMonitor() {
        let clock = Clock.Burst()
        var read = 0
        while read < batchLimit {
            let (received, end) = receiveStage(clock)
            read += received
            trackAndWriteStage()
            switch end {
            case .full: continue
            case .overflow: handleOverflow()
            case .drained: return
            }
        }
    }

    private enum StageEnd {
        case full, overflow, drained
    }

    /// Receives into `staged` until `stageSize` messages are read (malformed ones count, so a flood of them
    /// cannot hold the loop), the socket is empty or the kernel reports an overflow; returns how many.
    private func receiveStage(_ clock: Clock.Burst) -> (read: Int, end: StageEnd) {
        var read = 0
        while read < stageSize {
            switch monitor.receive(at: clock.now()) {
            case .event(let event): staged.append(event)
            case .malformed: noteMalformed()
            case .overflow: return (read + 1, .overflow)
            case .nothing: return (read, .drained)
            }
            read += 1
        }
        return (read, .full)
    }

    /// Tracks the staged uevents in the order received, each record written as it is made: kept in an
    /// array, the records cost more to copy than the caches saved.
    private func trackAndWriteStage() {
        // The outputs cannot change during a burst (a reload waits for the loop): held in a constant, they
        // are not reloaded and retained for every record.
        let sinks = sinks
        let emit = { (record: Record) in for sink in sinks { sink.write(record) } }
        for event in staged { pipeline.ingest(event, emit: emit) }
        staged.removeAll(keepingCapacity: true)
    }

    private func noteMalformed() {
        pipeline.malformed()
        let count = pipeline.summary.malformed
        if count == 1 || count.isMultiple(of: 1000) {
            logger.warning("libudev rejected malformed uevents (EINVAL); continuing",
                           metadata: ["malformed_total": "\(count)"])
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

    /// SIGHUP: the monitor stays open, so uevents queue in its socket while the outputs are reconfigured
    /// and none is lost. A bad configuration keeps the running one.
    private func reload() {
        notifier.reloading()
        defer { notifier.ready(status: status()) }
        do {
            let (new, needRestart) = options.reloaded(to: try reloadOptions())
            for name in needRestart { logger.warning("\(name) changed; it takes effect at the next restart") }
            let kept = sinks
            sinks = try SinkFactory.make(new, reusing: kept, startedRealtimeUsec: startedRealtimeUsec, logger: logger)
            for sink in kept where !sinks.contains(where: { $0 === sink }) { sink.sync() }
            pipeline.setProbeTimeout(usec: new.probeTimeoutUsec)
            options = new
            logger.info("configuration reloaded")
        } catch {
            logger.error("reload failed; keeping the running configuration", metadata: ["error": "\(error)"])
        }
    }

    private func freezeForWatchdogTest() -> Never {
        logger.warning("SIGUSR2: freezing the event loop (test-only --test-freeze-on-sigusr2)")
        while true { sleep(3600) }
    }

    private func write(_ record: Record) {
        for sink in sinks { sink.write(record) }
    }

    private func flush() {
        for sink in sinks { sink.flush() }
    }

    private func tickSinksAndFlush() {
        let now = Clock.monotonicUsec()
        for sink in sinks {
            sink.flush()
            sink.tick(nowMonotonicUsec: now)
        }
    }
}
