extension ProbeTracker {
    typealias DeviceIndex = DeviceTable.Index

    /// Where a device is kept, creating it if unknown. The index stays valid until a device is added or
    /// forgotten, so an event that touches its device several times hashes the DEVPATH once.
    mutating func deviceIndex(_ devpath: String, subsystem: String?) -> DeviceIndex {
        let key = DeviceKey(devpath)
        if let index = devices.index(forKey: key) { return index }
        devices[key] = DeviceState(devpath: devpath, subsystem: subsystem, modalias: nil)
        return devices.index(forKey: key)!
    }

    /// Also the way to read a field: `devices.values[index]` would copy the whole device, timeline and all,
    /// retaining each of its references, where this yields it in place.
    @discardableResult
    mutating func withDevice<Result>(at index: DeviceIndex, _ body: (inout DeviceState) -> Result) -> Result {
        body(&devices.values[index])
    }

    /// The devices that pass `test`, read in place: iterating `devices` would copy every device, and a
    /// driver's add or remove looks at all of them.
    func deviceIndices(where test: (DeviceState) -> Bool) -> [DeviceIndex] {
        var found: [DeviceIndex] = []
        var index = devices.startIndex
        while index != devices.endIndex {
            if test(devices.values[index]) { found.append(index) }
            devices.formIndex(after: &index)
        }
        return found
    }
}
