import Glibc
import Logging

/// The JSON log's file on disk: opened for appending, with a torn last line (a crash mid-write) terminated
/// first, and rotated by renaming `PATH` to `PATH.1`, `PATH.1` to `PATH.2`, … as logrotate would.
final class LogFile {
    let path: String
    private(set) var fd: Int32
    var bytes: Int
    var needsHeader = true
    private(set) var rotation = 0
    /// After a failed rotation the next try waits until this size, so files are not renamed on every write.
    private(set) var retryRotationAtBytes = 0
    private let logger: Logger

    init(path: String, logger: Logger) throws {
        self.path = path
        self.logger = logger
        fd = try Self.open(path)
        bytes = Int(lseek(fd, 0, SEEK_END))
        terminateTornLine()
    }

    private static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw SystemError("open \(path)") }
        return fd
    }

    /// A record cut off by a crash stays as it is, on a line of its own: readers skip it as invalid JSON
    /// instead of gluing it to the next record.
    private func terminateTornLine() {
        guard bytes > 0 else { return }
        let reader = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard reader >= 0 else { return }
        defer { close(reader) }
        var last: UInt8 = 0
        guard pread(reader, &last, 1, off_t(bytes - 1)) == 1, last != 0x0a else { return }
        var newline: UInt8 = 0x0a
        if Glibc.write(fd, &newline, 1) == 1 { bytes += 1 }
        logger.warning("the JSON log ended in a torn line (an earlier crash?); terminated it", metadata: [
            "path": "\(path)",
        ])
    }

    /// Renames the files along and opens a new one. On failure the old descriptor stays in use, so
    /// records keep flowing into the renamed file rather than being lost, and the next write tries again.
    func rotate(keeping maxFiles: Int) -> Bool {
        let rotated = renameAndReopen(keeping: maxFiles)
        retryRotationAtBytes = rotated ? 0 : bytes * 2
        return rotated
    }

    private func renameAndReopen(keeping maxFiles: Int) -> Bool {
        for index in stride(from: maxFiles - 1, through: 1, by: -1) {
            rename("\(path).\(index)", "\(path).\(index + 1)")
        }
        guard rename(path, "\(path).1") == 0 else {
            logger.error("cannot rotate the JSON log", metadata: ["error": "\(SystemError("rename \(path)"))"])
            return false
        }
        do {
            let newFD = try Self.open(path)
            close(fd)
            fd = newFD
        } catch {
            logger.error("cannot open a new JSON log after rotation; appending to the rotated file",
                         metadata: ["error": "\(error)"])
            return false
        }
        bytes = 0
        rotation += 1
        needsHeader = true
        return true
    }
}
