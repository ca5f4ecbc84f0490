import ArgumentParser
import FoundationEssentials
import ProbeWatchCore

struct TimelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timeline",
        abstract: "Show what happened to a device, a driver or a module's drivers.",
        discussion: """
            A device's timeline lists its uevents with their SEQNUMs and times relative to the first, and \
            notes what probewatch concluded: when a probe became pending, how long it took to bind, which \
            finding ended it. A driver's view lists its registrations, every device's probe window and how \
            many probes were pending at once. Without a selector, every device with a probe or a finding.
            """)

    @Argument(help: ArgumentHelp("The device's DEVPATH, e.g. /devices/pci0000:00/0000:00:14.0.", valueName: "devpath"))
    var devpath: String?

    @Option(help: ArgumentHelp("Show this driver (on every bus it is on).", valueName: "name"))
    var driver: String?

    @Option(help: ArgumentHelp("Show the drivers of this module.", valueName: "name"))
    var module: String?

    @Flag(help: "Print the same as JSON.")
    var json = false

    @OptionGroup var input: InputOptions

    func validate() throws {
        if [devpath != nil, driver != nil, module != nil].filter({ $0 }).count > 1 {
            throw ValidationError("give one of DEVPATH, --driver and --module")
        }
    }

    func run() throws {
        let index = InspectionIndex(try input.records())
        let (devices, drivers) = try views(index)
        if json {
            print(try JSONOutput.encode(TimelineDocument(devices: devices, drivers: drivers)))
        } else if devices.isEmpty && drivers.isEmpty {
            print("no probes or findings in \(index.events.count) events")
        } else {
            print((devices.map(TimelineText.device) + drivers.map(TimelineText.driver)).joined(separator: "\n\n"))
        }
    }

    private func views(_ index: InspectionIndex) throws -> ([DeviceView], [DriverView]) {
        if let devpath {
            guard index.events.contains(where: { $0.devpath == devpath }) || index.devicesWithActivity.contains(devpath)
            else { throw CleanExit.failure("no records of \(devpath)") }
            return ([DeviceView(devpath: devpath, index: index)], [])
        }
        if driver != nil || module != nil {
            let keys = index.drivers.filter { key in
                driver.map { key.name == $0 }
                    ?? (index.module(of: key).map(normalizedModuleName) == module.map(normalizedModuleName))
            }
            guard !keys.isEmpty else { throw CleanExit.failure("no records of \(driver.map { "driver \($0)" } ?? "module \(module!)")") }
            return ([], keys.map { DriverView($0, index: index) })
        }
        return (index.devicesWithActivity.map { DeviceView(devpath: $0, index: index) }, [])
    }
}

struct TimelineDocument: Encodable {
    var devices: [DeviceView]
    var drivers: [DriverView]
}

/// JSON for people's tools: stable key order, slashes as they are (DEVPATHs are full of them).
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
