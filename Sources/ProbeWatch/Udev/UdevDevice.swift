import CUdev
import ProbeWatchCore

/// Reads a received `udev_device` into a `UEvent`, using only the properties libudev parsed from the
/// message: getters such as udev_device_get_driver() fall back to sysfs, which costs I/O per event and
/// describes the device now, not at the time of the event.
enum UdevDevice {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// A property's bytes as the first pass found them.
    struct Found {
        var name, value: Bytes
    }

    /// Two passes over libudev's property list: the first sizes the event's buffer, the second copies the
    /// bytes in, checking as it copies that every byte is ASCII (and whether any needs escaping in JSON),
    /// and makes Strings only for the keys the tracker reads. Anything else (UTF-8 or not) takes the slow
    /// path, which escapes what is not UTF-8. The first pass keeps what it found in `kept` (the monitor's
    /// scratch space, reused for every event), so the second walks neither libudev's list nor strlen() again.
    static func uevent(from device: OpaquePointer, source: UEvent.Source, received: EventTime,
                       kept: UnsafeMutableBufferPointer<Found>) -> UEvent? {
        let list = udev_device_get_properties_list_entry(device)
        let survey = Survey(of: list, keeping: kept)
        // The known keys are picked out of `kept` apart from the copy: a `var` the copying closure captured
        // would cost a dynamic exclusivity check per property.
        let copied = UEventProperties(checkingUTF8ByteCount: survey.byteCount) { builder in
            if survey.count <= kept.count {
                for found in kept[..<survey.count] { builder.appendChecking(utf8Name: found.name, value: found.value) }
            } else {
                forEachProperty(list) { builder.appendChecking(utf8Name: $0, value: $1) }
            }
        }
        guard let properties = copied else { return decodedSlowly(list, source: source, received: received) }
        var fields = KnownFields()
        if survey.count <= kept.count {
            for found in kept[..<survey.count] { fields.take(utf8Name: found.name, value: found.value) }
        } else {
            for property in properties { fields.take(property) }
        }
        return fields.uevent(properties: properties, escapedKeys: [], source: source, received: received)
    }

    /// The first pass.
    private struct Survey {
        var count = 0
        var byteCount = 0

        init(of list: OpaquePointer?, keeping kept: UnsafeMutableBufferPointer<Found>) {
            forEachProperty(list) { name, value in
                byteCount += UEventProperties.storageBytes(nameCount: name.count, valueCount: value.count)
                if count < kept.count { kept[count] = Found(name: name, value: value) }
                count += 1
            }
        }
    }

    /// Uevents carry a dozen or two properties; the kernel's buffer holds at most 2 KiB of them.
    static let keptProperties = 128

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
        var devpath, subsystem, driver: String?
        var seqnum: UInt64?

        mutating func take(_ property: UEventProperties.Property) {
            switch property.name {
            case "ACTION": action = UEventAction(rawValue: property.value)
            case "DEVPATH": devpath = property.value
            case "SUBSYSTEM": subsystem = property.value
            case "DRIVER": driver = property.value
            case "SEQNUM": seqnum = UInt64(property.value)
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
                seqnum = UInt64(decimal: raw)
            }
        }

        func uevent(properties: UEventProperties, escapedKeys: [String], source: UEvent.Source,
                    received: EventTime) -> UEvent? {
            guard let action else { return nil }
            return UEvent(
                action: action, devpath: devpath ?? "", subsystem: subsystem, driver: driver,
                seqnum: seqnum, properties: properties, source: source,
                received: received, escapedKeys: escapedKeys)
        }
    }
}
