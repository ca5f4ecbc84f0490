extension ProbeTracker {
    /// Does the driver claim the device? By module alias, by name, or by an earlier bind in this run.
    mutating func matches(_ driver: RegisteredDriver, deviceAt index: DeviceIndex) -> Bool {
        if withDevice(at: index, { $0.hasBoundBefore(driver.key.name) }) { return true }
        let modules = modules(ofDeviceAt: index).map(normalizedModuleName)
        if modules.isEmpty { return false }  // no alias, or no module index: nothing to normalize names for
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

    /// The modules the device's MODALIAS resolves to.
    private mutating func modules(ofDeviceAt index: DeviceIndex) -> [String] {
        guard let modalias = withDevice(at: index, { $0.modalias }) else { return [] }
        return modules(forModalias: modalias)
    }

    /// The configured lookup (libkmod in the daemon, which keeps a cache of its own), remembering only the
    /// last answer: asking it again costs a closure call and a hash, and consecutive events ask the same.
    /// The last lookup is read in place: a copy of it retained its alias and answer on every call.
    mutating func modules(forModalias modalias: String) -> [String] {
        if lastModuleLookup?.modalias == modalias, let modules = lastModuleLookup?.modules { return modules }
        let modules = configuration.modulesForModalias(modalias)
        lastModuleLookup = ModuleLookup(modalias: modalias, modules: modules)
        return modules
    }
}

/// A MODALIAS and the modules it resolved to.
struct ModuleLookup {
    var modalias: String
    var modules: [String]
}
