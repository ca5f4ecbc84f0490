import Glibc
import Logging
import ProbeWatchCore

/// Writes records as JSON Lines to a file or stdout. A line is never split across `write()` calls, so
/// readers and shippers never see half a record; under load, whole lines are coalesced into one write of
/// at most `bufferLimit` bytes, because a syscall per line costs a third of libudev's own receive.
public final class JSONLinesSink: RecordSink {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let encoder: RecordEncoder
    private let logger: Logger
    private let includeEvents: Bool
    private var failedWrites = 0
    private var buffer: [UInt8] = []
    private let bufferLimit = 64 * 1024

    /// `path` "-" means stdout.
    public init(path: String, context: RecordContext, includeEvents: Bool, logger: Logger) throws {
        if path == "-" {
            fd = STDOUT_FILENO
            ownsDescriptor = false
        } else {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError("open \(path)") }
            ownsDescriptor = true
        }
        encoder = RecordEncoder(context: context)
        self.includeEvents = includeEvents
        self.logger = logger
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    public func write(_ record: Record) {
        if case .event(_, nil) = record, !includeEvents { return }
        if buffer.count >= bufferLimit - RecordEncoder.maxLineBytes { flush() }
        encoder.append(record, to: &buffer, nowRealtimeUsec: Clock.now().realtimeUsec ?? 0)
    }

    public func flush() {
        guard !buffer.isEmpty else { return }
        writeAll(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    public func sync() {
        flush()
        if ownsDescriptor { fdatasync(fd) }
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
        }
    }
}
