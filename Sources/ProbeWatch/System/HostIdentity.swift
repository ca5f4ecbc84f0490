import Glibc
import ProbeWatchCore

/// The fleet join keys: boot id as journald writes `_BOOT_ID` (32 hex digits), and the host name.
public enum HostIdentity {
    public static func current() -> RecordContext {
        RecordContext(bootID: bootID(), host: hostName())
    }

    static func bootID() -> String {
        let raw = (try? TextFile.read("/proc/sys/kernel/random/boot_id")) ?? ""
        return String(raw.filter { $0.isHexDigit })
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
