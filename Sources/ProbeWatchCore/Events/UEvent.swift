/// One uevent as probewatch sees it, whatever its source: a plain value, no C.
public struct UEvent: Sendable, Equatable {
    public enum Source: String, Sendable, Codable, CaseIterable {
        case kernel, udev, replay

        /// `rawValue` as the encoder writes it, once per uevent, without a String.
        var literal: StaticString {
            switch self {
            case .kernel: "kernel"
            case .udev: "udev"
            case .replay: "replay"
            }
        }
    }

    public var action: UEventAction {
        get { box.values.action }
        set { box = Box(box.values, changing: \.action, to: newValue) }
    }

    public var devpath: String {
        get { box.values.devpath }
        set { box = Box(box.values, changing: \.devpath, to: newValue) }
    }

    public var subsystem: String? {
        get { box.values.subsystem }
        set { box = Box(box.values, changing: \.subsystem, to: newValue) }
    }

    public var driver: String? {
        get { box.values.driver }
        set { box = Box(box.values, changing: \.driver, to: newValue) }
    }

    /// The kernel's global counter; absent in plain `udevadm monitor` captures.
    public var seqnum: UInt64? {
        get { box.values.seqnum }
        set { box = Box(box.values, changing: \.seqnum, to: newValue) }
    }

    public var properties: UEventProperties {
        get { box.values.properties }
        set { box = Box(box.values, changing: \.properties, to: newValue) }
    }

    public var source: Source {
        get { box.values.source }
        set { box = Box(box.values, changing: \.source, to: newValue) }
    }

    public var received: EventTime {
        get { box.values.received }
        set { box = Box(box.values, changing: \.received, to: newValue) }
    }

    /// Property keys whose values held bytes that are not UTF-8; those values are `\xNN`-escaped.
    public var escapedKeys: [String] {
        get { box.values.escapedKeys }
        set { box = Box(box.values, changing: \.escapedKeys, to: newValue) }
    }

    /// Every field behind one reference: an event is copied and dropped several times between the
    /// monitor, the pipeline, the records and the sinks, and one retain or release costs less than one per
    /// field (about 750 instructions per live event before, measured with callgrind). The box never changes
    /// (a change makes a new one), so reading needs no exclusivity check and the box is safe to send.
    private final class Box: Sendable {
        let values: Values
        /// Checked once, as the fields are set: replay asks before the pipeline does, and both asked alike.
        let problem: UEventValidation.Problem?

        init(_ values: Values) {
            self.values = values
            problem = UEventValidation.problem(devpath: values.devpath, escapedKeys: values.escapedKeys)
        }

        convenience init<Value>(_ values: Values, changing field: WritableKeyPath<Values, Value>, to value: Value) {
            var changed = values
            changed[keyPath: field] = value
            self.init(changed)
        }
    }

    private struct Values: Sendable, Equatable {
        var action: UEventAction
        var devpath: String
        var subsystem, driver: String?
        var seqnum: UInt64?
        var properties: UEventProperties
        var source: Source
        var received: EventTime
        var escapedKeys: [String]
    }

    private var box: Box

    public init(
        action: UEventAction, devpath: String, subsystem: String? = nil, driver: String? = nil,
        seqnum: UInt64? = nil, properties: UEventProperties = [:], source: Source = .kernel,
        received: EventTime, escapedKeys: [String] = []
    ) {
        box = Box(Values(action: action, devpath: devpath, subsystem: subsystem, driver: driver, seqnum: seqnum,
                         properties: properties, source: source, received: received, escapedKeys: escapedKeys))
    }

    public static func == (lhs: UEvent, rhs: UEvent) -> Bool {
        lhs.box === rhs.box || lhs.box.values == rhs.box.values
    }

    /// Why the event must not reach the timelines (`UEventValidation`), or nil when it may.
    public var problem: UEventValidation.Problem? { box.problem }

    public var modalias: String? { properties["MODALIAS"] }
    public var devpathOld: String? { properties["DEVPATH_OLD"] }

    /// The properties the tracker and validation read (through `modalias` and `devpathOld`): a reader whose
    /// events nobody writes out may keep only these.
    public static let propertiesReadByTracker: [StaticString] = ["MODALIAS", "DEVPATH_OLD"]

    public var object: KernelObject { KernelObject(devpath: devpath, subsystem: subsystem) }
}

extension UEvent: CustomReflectable {
    /// The fields, as a plain struct shows them: the box is a detail (and a private type's name would
    /// carry an address into every description).
    public var customMirror: Mirror {
        Mirror(self, children: [
            "action": action, "devpath": devpath, "subsystem": subsystem as Any, "driver": driver as Any,
            "seqnum": seqnum as Any, "properties": properties, "source": source, "received": received,
            "escapedKeys": escapedKeys,
        ], displayStyle: .struct)
    }
}
