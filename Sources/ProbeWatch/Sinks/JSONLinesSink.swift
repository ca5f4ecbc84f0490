import Glibc
import Logging
import ProbeWatchCore

/// Writes records as JSON Lines to a file or stdout, one `write()` per line, so concurrent readers and
/// shippers never see half a record.
public final class JSONLinesSink: RecordSink {
    private let fd: Int32
    private let ownsDescriptor: Bool
    private let encoder: RecordEncoder
    private let logger: Logger
    private let includeEvents: Bool
    private var failedWrites = 0

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
        let line = encoder.line(for: record, nowRealtimeUsec: Clock.now().realtimeUsec ?? 0)
        writeAll(line)
    }

    public func flush() {
        if ownsDescriptor { fdatasync(fd) }
    }

    private func writeAll(_ line: [UInt8]) {
        var offset = 0
        while offset < line.count {
            let written = line.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
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
