import ArgumentParser
import Logging
import ProbeWatch
import ProbeWatchCore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: monitor uevents live and report probe races.",
        discussion: """
            Settings come from \(ConfigLoader.defaultPath) and its probewatch.conf.d/*.conf drop-ins \
            (see `probewatch config check`); the flags below override them. SIGHUP re-reads the \
            configuration without closing the uevent socket.
            """)

    /// sysexits.h EX_CONFIG: the unit's RestartPreventExitStatus= keeps systemd from retrying a bad file.
    static let configErrorExitCode: Int32 = 78

    @Option(help: ArgumentHelp("Configuration file (default: \(ConfigLoader.defaultPath), if it exists).",
                               valueName: "path"))
    var config: String?

    @Option(help: "Netlink group to monitor: kernel (uevents as sent) or udev (after udevd processed them).")
    var source: UdevMonitor.Source?

    @Option(name: .customLong("receive-buffer"), help: ArgumentHelp(
        "Socket receive buffer in bytes (udevd uses 128 MiB; above rmem_max needs CAP_NET_ADMIN).",
        valueName: "bytes"))
    var receiveBuffer: Int?

    @Option(help: ArgumentHelp(
        "Human output on stdout: auto (every event on a terminal, findings only otherwise), events, findings, none.",
        valueName: "mode"))
    var console: ConsoleMode?

    @Flag(inversion: .prefixedNo, help: "Log findings, lost events and probes to the systemd journal.")
    var journal: Bool?

    @Option(help: ArgumentHelp(
        "Kernel log to correlate: /dev/kmsg (default), or a FIFO or saved file in its record format.",
        valueName: "path"))
    var kmsg: String?

    @Flag(name: .customLong("no-kmsg"), help: "Do not read the kernel log.")
    var noKmsg = false

    @Flag(name: .customLong("test-freeze-on-sigusr2"), help: .private)
    var freezeOnSIGUSR2 = false

    @OptionGroup var common: CommonOptions

    /// Bad flags are usage errors (exit 64, with help), not configuration errors.
    func validate() throws {
        _ = try common.probeTimeoutUsec()
        _ = try common.reorderWindowUsec()
    }

    func run() throws {
        let logger = common.makeLogger()
        let options: DaemonOptions
        do {
            options = try resolvedOptions()
        } catch {
            logger.critical("bad configuration: \(error)")
            throw ExitCode(Self.configErrorExitCode)
        }
        do {
            try LiveDaemon(options: options, reloadOptions: resolvedOptions, logger: logger).run()
        } catch {
            logger.critical("cannot run: \(error)")
            throw ExitCode(1)
        }
    }

    /// Defaults < configuration file < drop-ins < flags; called again on SIGHUP.
    func resolvedOptions() throws -> DaemonOptions {
        let loaded = try ConfigLoader.load(path: config ?? ConfigLoader.defaultPath, requireMainFile: config != nil)
        var options = DaemonOptions(loaded.settings)
        if let source { options.source = source }
        if let receiveBuffer { options.receiveBufferBytes = receiveBuffer }
        if let console { options.console = console }
        if let kmsg { options.kmsgPath = kmsg }
        if noKmsg { options.kmsgPath = nil }
        if journal == false { options.journal = nil }
        if journal == true, options.journal == nil { options.journal = JournalOptions(loaded.settings) }
        options.freezeOnSIGUSR2 = freezeOnSIGUSR2
        try common.override(&options, settings: loaded.settings)
        return options
    }
}

extension CommonOptions {
    /// The flags `run` shares with `replay`, over what the configuration said.
    func override(_ options: inout DaemonOptions, settings: Settings) throws {
        if let jsonLog { options.jsonLog = JSONLogOptions(path: jsonLog, settings) }
        if noEventRecords { options.jsonLog?.includeEvents = false }
        if let modulesDir { options.modulesDirectory = modulesDir }
        if let usec = try probeTimeoutUsec() { options.probeTimeoutUsec = usec }
        if let usec = try reorderWindowUsec() { options.reorderWindowUsec = usec }
    }
}

extension Settings.Source: ExpressibleByArgument {}
extension Settings.ConsoleMode: ExpressibleByArgument {}
