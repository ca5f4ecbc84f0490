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

    /// Returns why the event must not reach the timelines, or nil when it may. Every event passes here,
    /// so the path's bytes are walked once, for control bytes and dot segments together.
    public static func problem(with event: UEvent) -> Problem? {
        var path = event.devpath
        if path.isEmpty { return .emptyDevpath }
        return path.withUTF8 { bytes in
            if bytes[0] != 0x2f { return .relativeDevpath }
            if bytes.count > maxDevpathBytes { return .devpathTooLong }
            if event.escapedKeys.contains("DEVPATH") { return .nonUTF8Devpath }
            let (control, dotSegment) = scan(bytes)
            return control ? .controlCharacter : dotSegment ? .dotSegment : nil
        }
    }

    /// Control bytes, and `/./` or `/../` anywhere or at the end.
    private static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (control: Bool, dotSegment: Bool) {
        var control = false
        var dotSegment = false
        var dots = 0
        var segmentStart = true
        for byte in bytes {
            control = control || byte < 0x20 || byte == 0x7f
            if byte == 0x2f {
                dotSegment = dotSegment || (segmentStart && (dots == 1 || dots == 2))
                dots = 0
                segmentStart = true
            } else if byte == 0x2e, segmentStart {
                dots += 1
            } else {
                segmentStart = false
                dots = 0
            }
        }
        return (control, dotSegment || (segmentStart && (dots == 1 || dots == 2)))
    }
}
