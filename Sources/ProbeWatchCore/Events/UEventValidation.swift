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

    /// Why an event must not reach the timelines, or nil when it may: the check every event makes once,
    /// when it is made (`UEvent.problem`). The path's bytes are walked once, for control bytes and dot
    /// segments together.
    public static func problem(devpath: String, escapedKeys: [String]) -> Problem? {
        if devpath.isEmpty { return .emptyDevpath }
        // A native String lends its bytes in place; only another kind is copied to get them. (The outer
        // optional says whether it lent them, the inner one is the answer.)
        if let answer = devpath.utf8.withContiguousStorageIfAvailable({ problem(devpath: $0, escapedKeys: escapedKeys) }) {
            return answer
        }
        var path = devpath
        return path.withUTF8 { problem(devpath: $0, escapedKeys: escapedKeys) }
    }

    private static func problem(devpath bytes: UnsafeBufferPointer<UInt8>, escapedKeys: [String]) -> Problem? {
        if bytes[0] != 0x2f { return .relativeDevpath }
        if bytes.count > maxDevpathBytes { return .devpathTooLong }
        if escapedKeys.contains("DEVPATH") { return .nonUTF8Devpath }
        let (control, dotSegment) = scan(bytes)
        return control ? .controlCharacter : dotSegment ? .dotSegment : nil
    }

    /// Control bytes, and `/./` or `/../` anywhere or at the end. Eight bytes at a time first: most paths
    /// have neither a control byte nor a dot, and then there is no segment to look at.
    static func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> (control: Bool, dotSegment: Bool) {
        let (control, dot) = controlAndDot(bytes)
        return (control, dot && hasDotSegment(bytes))
    }

    /// Whether any byte is a control byte (below 0x20, or 0x7f), and whether any is a dot.
    private static func controlAndDot(_ bytes: UnsafeBufferPointer<UInt8>) -> (control: Bool, dot: Bool) {
        var control: UInt64 = 0
        var dot: UInt64 = 0
        WordScan.forEachWord(of: bytes) { word in
            control |= WordScan.bytes(below: 0x20, in: word) | WordScan.bytes(equalTo: 0x7f, in: word)
            dot |= WordScan.bytes(equalTo: 0x2e, in: word)
        }
        return (control != 0, dot != 0)
    }

    /// `/./` or `/../` anywhere or at the end.
    private static func hasDotSegment(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var dotSegment = false
        var dots = 0
        var segmentStart = true
        for byte in bytes {
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
        return dotSegment || (segmentStart && (dots == 1 || dots == 2))
    }
}
