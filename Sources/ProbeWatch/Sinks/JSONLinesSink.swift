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
///
/// When the file system refuses bytes (ENOSPC, EIO, …) they are held in memory, up to `heldLimit`, and
/// written before anything newer at the next flush or sync timer: a line a short write cut is completed
/// rather than left torn, and a full disk that is freed again loses nothing. Past the limit the newest whole
/// lines are dropped and counted; the error is logged once per outage, and its end with what was dropped.
/// Whatever is still held at exit is lost and counted, and a line cut by a short write is cut off the file.
public final class JSONLinesSink: RecordSink {
    // Read or changed for every record on the event loop's one thread, by this class's own methods only:
    // the runtime's exclusivity check (dynamic for class properties) cost more than the access itself.
    @exclusivity(unchecked) public private(set) var options: JSONLogOptions
    private let file: LogFile?
    private var fd: Int32 { file?.fd ?? STDOUT_FILENO }
    private let encoder: RecordEncoder
    private let logger: Logger
    private let startedRealtimeUsec: Int64
    /// Lines not yet handed to write(); records are encoded straight into it.
    @exclusivity(unchecked) private var buffer = JSONWriter(capacity: 64 * 1024)
    private let bufferLimit = 64 * 1024
    private var syncDueUsec: Int64?
    /// Bytes no write() has taken yet, continuing exactly where the file ends: possibly the rest of a line
    /// a short write cut, then whole lines.
    @exclusivity(unchecked) private var held: [UInt8] = []
    private let heldLimit = 4 << 20
    /// Lines dropped in the current outage because `held` was full.
    private var droppedLines = 0
    /// Bytes of the file after its last newline: the start of a line a short write cut.
    private var unterminatedBytes = 0

    public init(options: JSONLogOptions, context: RecordContext, startedRealtimeUsec: Int64, logger: Logger) throws {
        self.options = options
        encoder = RecordEncoder(context: context)
        self.logger = logger
        self.startedRealtimeUsec = startedRealtimeUsec
        file = options.path == "-" ? nil : try LogFile(path: options.path, logger: logger)
    }

    /// At exit whatever is still held is lost; a line cut by a short write is cut off the file, so the log
    /// still ends with a whole line.
    deinit {
        guard !held.isEmpty else { return }
        if let file, unterminatedBytes > 0, ftruncate(file.fd, off_t(file.bytes - unterminatedBytes)) == 0 {
            file.bytes -= unterminatedBytes
        }
        logger.error("JSON log still not writable at exit; held records are lost", metadata: [
            "path": "\(options.path)", "lost_lines": "\(lines(in: held[...]) + droppedLines)",
        ])
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
        guard !buffer.isEmpty || !held.isEmpty else { return }
        if held.isEmpty {
            buffer.withBytes { bytes in
                let written = writeAll(bytes)
                if written < bytes.count { hold(UnsafeBufferPointer(rebasing: bytes[written...])) }
            }
        } else {
            buffer.withBytes { hold($0) }
            held.removeFirst(held.withUnsafeBufferPointer { writeAll($0) })
            if held.isEmpty { recovered() }
        }
        buffer.removeAll()
        // While bytes are held, the sync timer is also the retry timer of an idle daemon.
        if file != nil || !held.isEmpty, syncDueUsec == nil {
            syncDueUsec = Clock.monotonicUsec() + options.syncIntervalUsec
        }
    }

    public func sync() {
        flush()
        if file != nil { fdatasync(fd) }
        syncDueUsec = held.isEmpty ? nil : Clock.monotonicUsec() + options.syncIntervalUsec
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
        guard let file, file.isRegularFile, options.maxFileBytes > 0, held.isEmpty,
              file.bytes + buffer.count > options.maxFileBytes,
              file.bytes + lineStart > 0, file.bytes >= file.retryRotationAtBytes
        else { return }
        let line = buffer.withBytes { Array($0[lineStart...]) }
        buffer.truncate(to: lineStart)
        flush()
        defer { line.withUnsafeBufferPointer { buffer.append($0) } }
        // Held bytes belong to the end of this file: it rotates once they are written.
        guard held.isEmpty else { return }
        fdatasync(fd)
        syncDueUsec = nil
        if file.rotate(keeping: options.maxFiles) { appendHeader(firstSeqnum: firstSeqnum) }
    }

    /// Writes as much as the file takes; returns how many bytes that was. The first failure of an outage
    /// is logged, not every retry.
    private func writeAll(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                let error = SystemError("write")
                if held.isEmpty {
                    logger.error("JSON log write failed; holding records in memory and retrying", metadata: [
                        "path": "\(options.path)", "error": "\(error)", "held_limit": "\(heldLimit)",
                    ])
                }
                break
            }
            let chunk = bytes[offset..<offset + written]
            unterminatedBytes = chunk.lastIndex(of: 0x0a).map { chunk.endIndex - $0 - 1 }
                ?? unterminatedBytes + written
            offset += written
            file?.bytes += written
        }
        return offset
    }

    /// Keeps unwritten bytes after those already held. `bytes` ends at a line's end; when it does not fit,
    /// it is cut after its last whole line that does, and the lines cut off are counted as dropped.
    private func hold(_ bytes: UnsafeBufferPointer<UInt8>) {
        let room = heldLimit - held.count
        guard bytes.count > room else { return held.append(contentsOf: bytes) }
        let keep = bytes.prefix(room).lastIndex(of: 0x0a).map { $0 + 1 } ?? bytes.startIndex
        if droppedLines == 0 {
            logger.error("JSON log not writable and its memory backlog is full; dropping new records", metadata: [
                "path": "\(options.path)", "held_bytes": "\(held.count)",
            ])
        }
        droppedLines += lines(in: bytes[keep...])
        held.append(contentsOf: bytes[..<keep])
    }

    private func recovered() {
        logger.notice("JSON log writable again; held records written", metadata: [
            "path": "\(options.path)", "dropped_lines": "\(droppedLines)",
        ])
        droppedLines = 0
    }

    private func lines(in bytes: some Collection<UInt8>) -> Int {
        bytes.reduce(0) { $1 == 0x0a ? $0 + 1 : $0 }
    }
}
