import CUdev
import ProbeWatchCore

/// Reads a received `udev_device` into a `UEvent`, using only the properties libudev parsed from the
/// message: getters such as udev_device_get_driver() fall back to sysfs, which costs I/O per event and
/// describes the device now, not at the time of the event.
enum UdevDevice {
    static func uevent(from device: OpaquePointer, source: UEvent.Source, received: EventTime) -> UEvent? {
        var properties = UEventProperties()
        var escaped: [String] = []
        var entry = udev_device_get_properties_list_entry(device)
        while let current = entry {
            if let namePointer = udev_list_entry_get_name(current) {
                let (name, nameEscaped) = UEventDecoding.decode(namePointer)
                let (value, valueEscaped) = udev_list_entry_get_value(current).map(UEventDecoding.decode)
                    ?? ("", false)
                properties.appendUnique(name, value)
                if nameEscaped || valueEscaped { escaped.append(name) }
            }
            entry = udev_list_entry_get_next(current)
        }
        return uevent(properties: properties, escapedKeys: escaped, source: source, received: received)
    }

    /// Builds the event from its properties; nil when ACTION is missing or unknown.
    static func uevent(properties: UEventProperties, escapedKeys: [String], source: UEvent.Source,
                       received: EventTime) -> UEvent? {
        var fields = KnownFields()
        for property in properties { fields.take(property) }
        guard let action = fields.action.flatMap(UEventAction.init(rawValue:)) else { return nil }
        return UEvent(
            action: action, devpath: fields.devpath ?? "", subsystem: fields.subsystem, driver: fields.driver,
            seqnum: fields.seqnum.flatMap { UInt64($0) }, properties: properties, source: source,
            received: received, escapedKeys: escapedKeys)
    }

    /// The keys probewatch reads, picked up in one pass over the properties.
    private struct KnownFields {
        var action, devpath, subsystem, driver, seqnum: String?

        mutating func take(_ property: UEventProperties.Property) {
            switch property.name {
            case "ACTION": action = property.value
            case "DEVPATH": devpath = property.value
            case "SUBSYSTEM": subsystem = property.value
            case "DRIVER": driver = property.value
            case "SEQNUM": seqnum = property.value
            default: break
            }
        }
    }
}
