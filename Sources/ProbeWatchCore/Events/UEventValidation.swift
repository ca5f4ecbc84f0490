/// libudev checks who sent a uevent, not what it says: root in any network namespace can inject
/// arbitrary uevents. These checks keep hostile or broken input out of the model.
public enum UEventValidation {
    /// The kernel never sends more than UEVENT_BUFFER_SIZE (2048) bytes; replayed files may.
    public static let maxDevpathBytes = 1024

    public enum Problem: String, Sendable, Equatable {
        case emptyDevpath = "empty DEVPATH"
        case relativeDevpath = "DEVPATH does not start with /"
        case dotSegment = "DEVPATH has . or .. segments"
        case devpathTooLong = "DEVPATH longer than 1024 bytes"
        case controlCharacter = "DEVPATH has control characters"
        case nonUTF8Devpath = "DEVPATH is not UTF-8"
    }

    /// Returns why the event must not reach the timelines, or nil when it may.
    public static func problem(with event: UEvent) -> Problem? {
        let path = event.devpath
        if path.isEmpty { return .emptyDevpath }
        if !path.hasPrefix("/") { return .relativeDevpath }
        if path.utf8.count > maxDevpathBytes { return .devpathTooLong }
        if event.escapedKeys.contains("DEVPATH") { return .nonUTF8Devpath }
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) { return .controlCharacter }
        if hasDotSegment(path) { return .dotSegment }
        return nil
    }

    /// `/./` or `/../` anywhere, or at the end; scanned as bytes because it runs for every event.
    private static func hasDotSegment(_ path: String) -> Bool {
        var dots = 0
        var segmentStart = true
        for byte in path.utf8 {
            if byte == 0x2f {
                if segmentStart, dots == 1 || dots == 2 { return true }
                dots = 0
                segmentStart = true
            } else if byte == 0x2e, segmentStart {
                dots += 1
            } else {
                segmentStart = false
                dots = 0
            }
        }
        return segmentStart && (dots == 1 || dots == 2)
    }
}
