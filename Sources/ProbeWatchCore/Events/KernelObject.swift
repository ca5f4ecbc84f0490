/// What a uevent's DEVPATH names. Drivers live at `/bus/<bus>/drivers/<name>` with SUBSYSTEM=drivers,
/// modules at `/module/<name>` with SUBSYSTEM=module; everything else is a device.
public enum KernelObject: Sendable, Equatable {
    case device
    case driver(DriverKey)
    case module(name: String)

    public init(devpath: String, subsystem: String?) {
        // By length first: `==` on two different short Strings still calls the standard library's
        // canonical comparison, and nearly every uevent is a device's, whose subsystem is neither.
        let isDrivers = subsystem?.utf8.count == 7 && subsystem == "drivers"
        guard isDrivers || subsystem?.utf8.count == 6 && subsystem == "module" else {
            self = .device
            return
        }
        let parts = devpath.split(separator: "/", omittingEmptySubsequences: true)
        if isDrivers, parts.count == 4, parts[0] == "bus", parts[2] == "drivers" {
            self = .driver(DriverKey(bus: String(parts[1]), name: String(parts[3])))
        } else if !isDrivers, parts.count == 2, parts[0] == "module" {
            self = .module(name: String(parts[1]))
        } else {
            self = .device
        }
    }
}

/// A driver is only unique per bus: `usb` and `usb-storage` may share names across buses.
public struct DriverKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bus: String
    public var name: String

    public init(bus: String, name: String) {
        self.bus = bus
        self.name = name
    }

    public var devpath: String { "/bus/\(bus)/drivers/\(name)" }
    public var description: String { "\(bus)/\(name)" }

    public static func < (lhs: DriverKey, rhs: DriverKey) -> Bool {
        (lhs.bus, lhs.name) < (rhs.bus, rhs.name)
    }
}

/// Module names compare with `-` and `_` as equal, as kmod and the kernel do.
public func normalizedModuleName(_ name: String) -> String {
    name.contains("-") ? String(name.map { $0 == "-" ? "_" : $0 }) : name
}
