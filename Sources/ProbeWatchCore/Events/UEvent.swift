/// One uevent as probewatch sees it, whatever its source: a plain value, no C.
public struct UEvent: Sendable, Equatable {
    public enum Source: String, Sendable, Codable {
        case kernel, udev, replay
    }

    public var action: UEventAction
    public var devpath: String
    public var subsystem: String?
    public var driver: String?
    /// The kernel's global counter; absent in plain `udevadm monitor` captures.
    public var seqnum: UInt64?
    public var properties: UEventProperties
    public var source: Source
    public var received: EventTime
    /// Property keys whose values held bytes that are not UTF-8; those values are `\xNN`-escaped.
    public var escapedKeys: [String]

    public init(
        action: UEventAction, devpath: String, subsystem: String? = nil, driver: String? = nil,
        seqnum: UInt64? = nil, properties: UEventProperties = [:], source: Source = .kernel,
        received: EventTime, escapedKeys: [String] = []
    ) {
        self.action = action
        self.devpath = devpath
        self.subsystem = subsystem
        self.driver = driver
        self.seqnum = seqnum
        self.properties = properties
        self.source = source
        self.received = received
        self.escapedKeys = escapedKeys
    }

    public var modalias: String? { properties["MODALIAS"] }
    public var devpathOld: String? { properties["DEVPATH_OLD"] }

    /// The properties the tracker and validation read (through `modalias` and `devpathOld`): a reader whose
    /// events nobody writes out may keep only these.
    public static let propertiesReadByTracker: [StaticString] = ["MODALIAS", "DEVPATH_OLD"]
    public var object: KernelObject { KernelObject(devpath: devpath, subsystem: subsystem) }
}
