import Glibc
import Logging
import ProbeWatchCore

/// Reads kernel log records from /dev/kmsg, or from a FIFO or saved file in the same format (tests, and
/// logs copied off a machine). /dev/kmsg hands out one record per read() and reports EPIPE when records
/// were overwritten before they were read; a FIFO is a byte stream that is split into records here.
public final class KmsgReader {
    /// What poll() waits on; nil once a regular file has been read to its end.
    public private(set) var fileDescriptor: Int32?
    private let path: String
    private let logger: Logger
    private let isStream: Bool
    private var pending = ""
    private var overruns = 0

    public init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemError("stat \(path)") }
        let kind = info.st_mode & S_IFMT
        isStream = kind != S_IFCHR
        // O_RDWR keeps a FIFO open when its writer goes away: no endless POLLHUP, no busy loop.
        let mode = kind == S_IFIFO ? O_RDWR : O_RDONLY
        let fd = open(path, mode | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        // Old /dev/kmsg records predate the snapshot and this run: only new ones are evidence.
        if kind == S_IFCHR { lseek(fd, 0, SEEK_END) }
        fileDescriptor = fd
    }

    deinit {
        if let fileDescriptor { close(fileDescriptor) }
    }

    /// Everything readable now, parsed; unparsable records are skipped.
    public func read() -> [KmsgRecord] {
        guard let fd = fileDescriptor else { return [] }
        var records: [KmsgRecord] = []
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)  // a /dev/kmsg record is at most 8 KiB
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                records += parse(String(decoding: buffer[..<count], as: UTF8.self))
                continue
            }
            if count == 0, !isStream || isRegularFile(fd) { finishFile(fd, into: &records) }
            if count < 0, errno == EPIPE { reportOverrun(); continue }
            if count < 0, errno == EINTR { continue }
            return records
        }
    }

    private func parse(_ chunk: String) -> [KmsgRecord] {
        guard isStream else { return KmsgRecord.parse(Substring(chunk)).map { [$0] } ?? [] }
        pending += chunk
        let (complete, rest) = KmsgRecord.split(Substring(pending))
        pending = String(rest)
        return complete.compactMap(KmsgRecord.parse)
    }

    /// A saved file ends: its last record is complete, and poll() must stop watching it.
    private func finishFile(_ fd: Int32, into records: inout [KmsgRecord]) {
        if let last = KmsgRecord.parse(Substring(pending)) { records.append(last) }
        pending = ""
        close(fd)
        fileDescriptor = nil
    }

    private func isRegularFile(_ fd: Int32) -> Bool {
        var info = stat()
        return fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    private func reportOverrun() {
        overruns += 1
        if overruns == 1 || overruns.isMultiple(of: 100) {
            logger.warning("kernel log records were overwritten before probewatch read them (EPIPE)",
                           metadata: ["path": "\(path)", "overruns": "\(overruns)"])
        }
    }
}
