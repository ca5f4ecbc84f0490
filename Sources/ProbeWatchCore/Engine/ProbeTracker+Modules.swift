extension ProbeTracker {
    /// Does the driver claim the device? By module alias, by name, or by an earlier bind in this run.
    mutating func matches(_ driver: RegisteredDriver, deviceAt index: DeviceIndex) -> Bool {
        if devices.values[index].boundBefore.contains(driver.key.name) { return true }
        let modules = modules(ofDeviceAt: index).map(normalizedModuleName)
        if let module = driver.module, modules.contains(normalizedModuleName(module)) { return true }
        return modules.contains(normalizedModuleName(driver.key.name))
    }

    /// The module to name in a record: the driver's, else the first one the device's alias resolves to.
    mutating func module(of driver: DriverKey, modalias: String?) -> String? {
        if let module = registry[driver]?.module { return module }
        return modalias.flatMap { modules(forModalias: $0).first }
    }

    mutating func module(registered: String?, deviceAt index: DeviceIndex) -> String? {
        registered ?? modules(ofDeviceAt: index).first
    }

    /// The modules the device's MODALIAS resolves to; an alias that resolves to none is not asked again.
    private mutating func modules(ofDeviceAt index: DeviceIndex) -> [String] {
        guard !devices.values[index].modaliasHasNoModule, let modalias = devices.values[index].modalias else {
            return []
        }
        let modules = modules(forModalias: modalias)
        if modules.isEmpty { devices.values[index].modaliasHasNoModule = true }
        return modules
    }

    /// The configured lookup (libkmod in the daemon), remembering its last answer: a device's `add` and
    /// its `bind` ask about the same alias, and so do the devices of a storm.
    mutating func modules(forModalias modalias: String) -> [String] {
        if let last = lastModuleLookup, last.modalias == modalias { return last.modules }
        let modules = configuration.modulesForModalias(modalias)
        lastModuleLookup = (modalias, modules)
        return modules
    }
}
