import CUdev
import ProbeWatchCore

/// Reads a received `udev_device` into a `UEvent`, using only the properties libudev parsed from the
/// message: getters such as udev_device_get_driver() fall back to sysfs, which costs I/O per event and
/// describes the device now, not at the time of the event.
enum UdevDevice {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// Two passes over libudev's property list: the first sizes the event's buffer and checks that every
    /// byte is ASCII (and whether any needs escaping in JSON), the second copies the bytes in, making
    /// Strings only for the keys the tracker reads. Anything else (UTF-8 or not) takes the slow path, which
    /// escapes what is not UTF-8.
    static func uevent(from device: OpaquePointer, source: UEvent.Source, received: EventTime) -> UEvent? {
        let list = udev_device_get_properties_list_entry(device)
        var byteCount = 0
        var allASCII = true
        var allPlain = true
        func check(_ bytes: Bytes) {
            switch JSONEscaping.classify(bytes) {
            case .plainASCII: break
            case .ascii: allPlain = false
            case .nonASCII: allASCII = false
            }
        }
        forEachProperty(list) { name, value in
            byteCount += UEventProperties.storageBytes(nameCount: name.count, valueCount: value.count)
            check(name)
            check(value)
        }
        guard allASCII else { return decodedSlowly(list, source: source, received: received) }
        var fields = KnownFields()
        let properties = UEventProperties(utf8ByteCount: byteCount, plainASCII: allPlain) { builder in
            forEachProperty(list) { name, value in
                builder.append(utf8Name: name, value: value)
                fields.take(utf8Name: name, value: value)
            }
        }
        return fields.uevent(properties: properties, escapedKeys: [], source: source, received: received)
    }

    /// Builds the event from its properties; nil when ACTION is missing or unknown.
    static func uevent(properties: UEventProperties, escapedKeys: [String], source: UEvent.Source,
                       received: EventTime) -> UEvent? {
        var fields = KnownFields()
        for property in properties { fields.take(property) }
        return fields.uevent(properties: properties, escapedKeys: escapedKeys, source: source, received: received)
    }

    private static func decodedSlowly(_ list: OpaquePointer?, source: UEvent.Source, received: EventTime) -> UEvent? {
        var properties = UEventProperties()
        var escaped: [String] = []
        forEachProperty(list) { name, value in
            let (nameText, nameEscaped) = UEventDecoding.decode(name)
            let (valueText, valueEscaped) = UEventDecoding.decode(value)
            properties.appendUnique(nameText, valueText)
            if nameEscaped || valueEscaped { escaped.append(nameText) }
        }
        return uevent(properties: properties, escapedKeys: escaped, source: source, received: received)
    }

    /// The bytes stay valid as long as the device does.
    private static func forEachProperty(_ list: OpaquePointer?, _ body: (_ name: Bytes, _ value: Bytes) -> Void) {
        var entry = list
        while let current = entry {
            if let name = udev_list_entry_get_name(current) {
                body(UEventDecoding.bytes(name), udev_list_entry_get_value(current).map(UEventDecoding.bytes)
                    ?? UEventDecoding.noBytes)
            }
            entry = udev_list_entry_get_next(current)
        }
    }

    /// The keys probewatch reads, picked up in one pass over the properties.
    private struct KnownFields {
        var action: UEventAction?
        var devpath, subsystem, driver, seqnum: String?

        mutating func take(_ property: UEventProperties.Property) {
            switch property.name {
            case "ACTION": action = UEventAction(rawValue: property.value)
            case "DEVPATH": devpath = property.value
            case "SUBSYSTEM": subsystem = property.value
            case "DRIVER": driver = property.value
            case "SEQNUM": seqnum = property.value
            default: break
            }
        }

        mutating func take(utf8Name name: Bytes, value: Bytes) {
            let (name, raw) = (UnsafeRawBufferPointer(name), UnsafeRawBufferPointer(value))
            func text() -> String { String(decoding: value, as: UTF8.self) }
            if name.equals("ACTION") {
                action = UEventAction(bytes: raw)
            } else if name.equals("DEVPATH") {
                devpath = text()
            } else if name.equals("SUBSYSTEM") {
                subsystem = text()
            } else if name.equals("DRIVER") {
                driver = text()
            } else if name.equals("SEQNUM") {
                seqnum = text()
            }
        }

        func uevent(properties: UEventProperties, escapedKeys: [String], source: UEvent.Source,
                    received: EventTime) -> UEvent? {
            guard let action else { return nil }
            return UEvent(
                action: action, devpath: devpath ?? "", subsystem: subsystem, driver: driver,
                seqnum: seqnum.flatMap { UInt64($0) }, properties: properties, source: source,
                received: received, escapedKeys: escapedKeys)
        }
    }
}
