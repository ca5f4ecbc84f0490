import Glibc
import Logging

/// The JSON log's file on disk: opened for appending, with a torn last line (a crash mid-write) terminated
/// first, and rotated by renaming `PATH` to `PATH.1`, `PATH.1` to `PATH.2`, … as logrotate would.
final class LogFile {
    let path: String
    private(set) var fd: Int32
    // Both are read for every record (see JSONLinesSink): no dynamic exclusivity check.
    @exclusivity(unchecked) var bytes: Int
    /// Only a file's first line is a header: appending to an existing log after a restart adds none.
    @exclusivity(unchecked) var needsHeader: Bool
    private(set) var rotation = 0
    /// After a failed rotation the next try waits until this size, so files are not renamed on every write.
    private(set) var retryRotationAtBytes = 0
    private let logger: Logger

    /// Only a regular file is rotated: renaming `/dev/null` or a FIFO aside would replace it with a file.
    let isRegularFile: Bool

    init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        fd = try Self.open(path)
        var info = stat()
        isRegularFile = fstat(fd, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
        // A device, a FIFO or a terminal has no size to rotate by and no first line to fingerprint.
        bytes = isRegularFile ? Int(max(0, lseek(fd, 0, SEEK_END))) : 0
        needsHeader = isRegularFile && bytes == 0
        terminateTornLine()
    }

    deinit {
        close(fd)
    }

    private static func open(_ path: String, flags: Int32 = O_APPEND) throws -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0o640)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        return fd
    }

    /// A record cut off by a crash stays as it is, on a line of its own: readers skip it as invalid JSON
    /// instead of gluing it to the next record.
    private func terminateTornLine() {
        guard bytes > 0 else { return }
        var last: UInt8 = 0
        let reader = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return }
        defer { close(reader) }
        guard pread(reader, &last, 1, off_t(bytes - 1)) == 1, last != 0x0a else { return }
        var newline: UInt8 = 0x0a
        if Glibc.write(fd, &newline, 1) == 1 { bytes += 1 }
        logger.warning("the JSON log ended in a torn line (an earlier crash?); terminated it", metadata: [
            "path": "\(path)",
        ])
    }

    /// Opens the next file under a temporary name first: when that fails nothing has been renamed, and
    /// records keep going to the current file until a later try succeeds.
    func rotate(keeping maxFiles: Int) -> Bool {
        guard isRegularFile else { return false }
        let next: Int32
        do {
            next = try Self.open("\(path).new", flags: O_TRUNC | O_APPEND)
        } catch {
            retryRotationAtBytes = bytes * 2
            logger.error("cannot rotate the JSON log; appending to the current file", metadata: [
                "error": "\(error)",
            ])
            return false
        }
        for index in stride(from: maxFiles - 1, through: 1, by: -1) {
            rename("\(path).\(index)", "\(path).\(index + 1)")
        }
        rename(path, "\(path).1")
        if rename("\(path).new", path) != 0 {
            logger.error("cannot rename the new JSON log into place", metadata: ["error": "\(SystemError("rename"))"])
        }
        close(fd)
        fd = next
        bytes = 0
        rotation += 1
        needsHeader = true
        retryRotationAtBytes = 0
        return true
    }
}
