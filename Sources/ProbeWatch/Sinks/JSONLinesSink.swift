import Glibc
import Logging
import ProbeWatchCore

/// Where and how the JSON Lines log is written.
public struct JSONLogOptions: Sendable, Equatable {
    /// A file path, or "-" for stdout.
    public var path: String
    public var includeEvents = true
    /// Rotate before a file would exceed this; 0: never.
    public var maxFileBytes = 0
    /// Rotated files kept as `PATH.1` (newest) … `PATH.N`.
    public var maxFiles = 5
    /// fdatasync at most this long after a write.
    public var syncIntervalUsec: Int64 = 5_000_000

    /// One log, never rotated (what `replay` writes); the daemon takes the rest from the settings.
    public init(path: String) {
        self.path = path
    }
}

/// Writes records as JSON Lines to a file or stdout. A line is never split across `write()` calls, so
/// readers and shippers never see half a record; under load, whole lines are coalesced into one write of
/// at most `bufferLimit` bytes, because a syscall per line costs a third of libudev's own receive.
/// Files rotate by size between lines, and each starts with a `header` record.
public final class JSONLinesSink: RecordSink {
    public private(set) var options: JSONLogOptions
    private let file: LogFile?
    private var fd: Int32 { file?.fd ?? STDOUT_FILENO }
    private let encoder: RecordEncoder
    private let logger: Logger
    private let startedRealtimeUsec: Int64
    private var failedWrites = 0
    private var buffer: [UInt8] = []
    private let bufferLimit = 64 * 1024
    private var syncDueUsec: Int64?

    public init(options: JSONLogOptions, context: RecordContext, startedRealtimeUsec: Int64, logger: Logger) throws {
        self.options = options
        encoder = RecordEncoder(context: context)
        self.logger = logger
        self.startedRealtimeUsec = startedRealtimeUsec
        file = options.path == "-" ? nil : try LogFile(path: options.path, logger: logger)
    }

    /// A reload that keeps the path keeps the file: its size, rotation count and header stay right.
    public func reconfigure(_ new: JSONLogOptions) {
        guard new.path == options.path else { return }
        flush()
        options = new
    }

    public func write(_ record: Record) {
        if case .event(_, nil) = record, !options.includeEvents { return }
        if buffer.count >= bufferLimit - RecordEncoder.maxLineBytes { flush() }
        if file?.needsHeader == true { appendHeader(firstSeqnum: record.eventSeqnum) }
        let start = buffer.count
        encoder.append(record, to: &buffer, nowRealtimeUsec: Clock.now().realtimeUsec ?? 0)
        rotateIfFull(lineStart: start, firstSeqnum: record.eventSeqnum)
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
        if file != nil, syncDueUsec == nil { syncDueUsec = Clock.monotonicUsec() + options.syncIntervalUsec }
    }

    public func sync() {
        flush()
        guard file != nil else { return }
        fdatasync(fd)
        syncDueUsec = nil
    }

    public var nextDeadlineUsec: Int64? { syncDueUsec }

    public func tick(nowMonotonicUsec now: Int64) {
        guard let due = syncDueUsec, now >= due else { return }
        sync()
    }

    private func appendHeader(firstSeqnum: UInt64?) {
        guard let file else { return }
        let header = LogHeader(fileID: RandomID.hex128(), daemonStartedRealtimeUsec: startedRealtimeUsec,
                               firstSeqnum: firstSeqnum, rotation: file.rotation)
        encoder.appendHeader(header, nowRealtimeUsec: Clock.now().realtimeUsec ?? 0, to: &buffer)
        file.needsHeader = false
    }

    /// When the line just encoded would take the file past its size, the lines before it are written to
    /// the old file and the line starts the next one, after its header: nothing is split or lost.
    private func rotateIfFull(lineStart: Int, firstSeqnum: UInt64?) {
        guard let file, options.maxFileBytes > 0, file.bytes + buffer.count > options.maxFileBytes,
              file.bytes + lineStart > 0, file.bytes >= file.retryRotationAtBytes
        else { return }
        let line = Array(buffer[lineStart...])
        buffer.removeSubrange(lineStart...)
        flush()
        fdatasync(fd)
        syncDueUsec = nil
        if file.rotate(keeping: options.maxFiles) { appendHeader(firstSeqnum: firstSeqnum) }
        buffer.append(contentsOf: line)
    }

    private func writeAll(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                failedWrites += 1
                if failedWrites == 1 || failedWrites.isMultiple(of: 1000) {
                    logger.error("JSON log write failed; records are being dropped",
                                 metadata: ["error": "\(SystemError("write"))", "dropped": "\(failedWrites)"])
                }
                return
            }
            offset += written
            file?.bytes += written
        }
    }
}
