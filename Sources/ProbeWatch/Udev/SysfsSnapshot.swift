import CUdev
import ProbeWatchCore

/// Enumerates /sys with libudev: every device with its driver and MODALIAS, every registered driver
/// with its module. Runs after the monitor is receiving, so nothing that happens during the scan is missed.
public enum SysfsSnapshot {
    public static func take() throws -> SystemSnapshot {
        guard let udev = udev_new() else { throw SystemError("udev_new") }
        defer { udev_unref(udev) }
        let devices = try enumerate(udev, scan: udev_enumerate_scan_devices) { snapshotDevice(from: $0) }
        let drivers = try enumerate(udev, matchSubsystem: "drivers", scan: udev_enumerate_scan_subsystems) {
            snapshotDriver(from: $0)
        }
        return SystemSnapshot(devices: devices, drivers: drivers, deferred: deferredDevices())
    }

    /// debugfs' list of devices waiting in the deferred-probe queue, `name<TAB>reason` per line; debugfs is
    /// root-only and often not mounted, so an unreadable list is simply empty.
    public static func deferredDevices(path: String = "/sys/kernel/debug/devices_deferred")
        -> [(device: String, reason: String)]
    {
        guard let text = try? TextFile.read(path) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = fields.first, !name.isEmpty else { return nil }
            return (String(name), fields.count > 1 ? String(fields[1]).trimmingSpaces() : "")
        }
    }

    private static func enumerate<T>(
        _ udev: OpaquePointer, matchSubsystem: String? = nil, scan: (OpaquePointer?) -> Int32,
        _ transform: (OpaquePointer) -> T?
    ) throws -> [T] {
        guard let enumerator = udev_enumerate_new(udev) else { throw SystemError("udev_enumerate_new") }
        defer { udev_enumerate_unref(enumerator) }
        if let matchSubsystem { udev_enumerate_add_match_subsystem(enumerator, matchSubsystem) }
        let result = scan(enumerator)
        guard result >= 0 else { throw SystemError("udev_enumerate_scan", errno: -result) }
        var items: [T] = []
        var entry = udev_enumerate_get_list_entry(enumerator)
        while let current = entry {
            if let syspath = udev_list_entry_get_name(current),
               let device = udev_device_new_from_syspath(udev, syspath) {
                if let item = transform(device) { items.append(item) }
                udev_device_unref(device)
            }
            entry = udev_list_entry_get_next(current)
        }
        return items
    }

    private static func snapshotDevice(from device: OpaquePointer) -> SystemSnapshot.Device? {
        guard let devpath = string(udev_device_get_devpath(device)) else { return nil }
        return SystemSnapshot.Device(
            devpath: devpath, subsystem: string(udev_device_get_subsystem(device)),
            driver: string(udev_device_get_driver(device)),
            modalias: string(udev_device_get_property_value(device, "MODALIAS")))
    }

    private static func snapshotDriver(from device: OpaquePointer) -> SystemSnapshot.Driver? {
        guard let devpath = string(udev_device_get_devpath(device)),
              case .driver(let key) = KernelObject(devpath: devpath, subsystem: "drivers")
        else { return nil }
        return SystemSnapshot.Driver(key: key, module: moduleOfDriver(key))
    }

    /// The module that registered a driver, from its sysfs `module` link (absent for built-in drivers).
    public static func moduleOfDriver(_ key: DriverKey) -> String? {
        TextFile.linkTargetName("/sys\(key.devpath)/module")
    }

    private static func string(_ pointer: UnsafePointer<CChar>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
