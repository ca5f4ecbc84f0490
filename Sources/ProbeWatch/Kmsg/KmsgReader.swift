import Glibc
import Logging
import ProbeWatchCore

/// Reads kernel log records from /dev/kmsg, or from a FIFO or saved file in the same format (tests, and
/// logs copied off a machine). /dev/kmsg hands out one record per read() and reports EPIPE when records
/// were overwritten before they were read; a FIFO or a file is a byte stream, split into records here.
public final class KmsgReader {
    /// What poll() waits on; nil once a file has been read to its end, or the source failed for good.
    public private(set) var fileDescriptor: Int32?
    private let path: String
    private let logger: Logger
    private let kind: mode_t
    /// Bytes of a record not yet complete (a stream), or of the whole file until its end (a saved file).
    private var pending: [UInt8] = []
    private var overruns = 0
    /// Reads per wakeup, so a flooding writer cannot keep the event loop from uevents and signals.
    private let batchLimit = 256
    /// A record is at most 8 KiB in the kernel; a stream that sends more without a record end is garbage.
    private let pendingLimit = 64 * 1024

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemError("stat \(path)") }
        kind = info.st_mode & S_IFMT
        guard [S_IFCHR, S_IFIFO, S_IFREG].contains(kind) else {
            throw SystemError("\(path) is not a kernel log, a FIFO or a file", errno: EINVAL)
        }
        // O_RDWR keeps a FIFO open when its writer goes away: no endless POLLHUP, no busy loop.
        let fd = open(path, (kind == S_IFIFO ? O_RDWR : O_RDONLY) | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        // Old /dev/kmsg records predate the snapshot and this run: only new ones are evidence.
        if kind == S_IFCHR { lseek(fd, 0, SEEK_END) }
        fileDescriptor = fd
    }

    deinit {
        if let fileDescriptor { close(fileDescriptor) }
    }

    /// What is readable now (at most `batchLimit` reads), parsed; unparsable records are skipped.
    public func read() -> [KmsgRecord] {
        guard let fd = fileDescriptor else { return [] }
        var records: [KmsgRecord] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        for _ in 0..<batchLimit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                take(buffer[..<count], into: &records)
            } else if count == 0 || !(errno == EPIPE || errno == EINTR || errno == EAGAIN) {
                stop(fd, error: count == 0 ? nil : SystemError("read \(path)"), into: &records)
                break
            } else if errno == EPIPE {
                reportOverrun()
            } else if errno == EAGAIN {
                break
            }
        }
        return records
    }

    private func take(_ bytes: ArraySlice<UInt8>, into records: inout [KmsgRecord]) {
        if kind == S_IFCHR {  // one whole record per read
            if let record = KmsgRecord.parse(Substring(String(decoding: bytes, as: UTF8.self))) { records.append(record) }
            return
        }
        pending.append(contentsOf: bytes)
        // A file is split at its end, so a read never cuts a record from its continuation lines.
        guard kind == S_IFIFO, let lastNewline = pending.lastIndex(of: 0x0a) else { return trimPending() }
        // Only whole lines are decoded: a read can end inside a multi-byte character, whose bytes must
        // wait for the next read rather than become U+FFFD.
        let text = String(decoding: pending[...lastNewline], as: UTF8.self)
        var (complete, rest) = KmsgRecord.split(Substring(text))
        // A space after the last newline starts a continuation line of the last record: it is not complete.
        if lastNewline + 1 < pending.count, pending[lastNewline + 1] == 0x20, let last = complete.popLast() {
            rest = text[last.startIndex...]
        }
        records += complete.compactMap(KmsgRecord.parse)
        pending = Array(rest.utf8) + pending[(lastNewline + 1)...]
        trimPending()
    }

    private func trimPending() {
        if kind == S_IFIFO, pending.count > pendingLimit { pending.removeAll() }
    }

    /// A saved file ended (its records are complete now), or a read failed for good: either way poll()
    /// must stop watching the descriptor, or it would report it readable forever.
    private func stop(_ fd: Int32, error: SystemError?, into records: inout [KmsgRecord]) {
        let text = String(decoding: pending, as: UTF8.self)
        let (complete, rest) = KmsgRecord.split(Substring(text))
        records += (complete + [rest]).compactMap(KmsgRecord.parse)
        pending.removeAll()
        close(fd)
        fileDescriptor = nil
        if let error { logger.error("stopped reading the kernel log", metadata: ["error": "\(error)"]) }
    }

    private func reportOverrun() {
        overruns += 1
        if overruns == 1 || overruns.isMultiple(of: 100) {
            logger.warning("kernel log records were overwritten before probewatch read them (EPIPE)",
                           metadata: ["path": "\(path)", "overruns": "\(overruns)"])
        }
    }
}
