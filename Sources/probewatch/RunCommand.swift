import ArgumentParser
import ProbeWatch

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: monitor uevents live and report probe races.")

    @Option(help: "Netlink group to monitor: kernel (uevents as sent) or udev (after udevd processed them).")
    var source: UdevMonitor.Source = .kernel

    @Option(name: .customLong("receive-buffer"), help: ArgumentHelp(
        "Socket receive buffer in bytes (udevd uses 128 MiB; above rmem_max needs CAP_NET_ADMIN).",
        valueName: "bytes"))
    var receiveBuffer = 128 * 1024 * 1024

    @Option(help: ArgumentHelp(
        "Human output on stdout: auto (every event on a terminal, findings only otherwise), events, findings, none.",
        valueName: "mode"))
    var console: ConsoleMode = .auto

    @OptionGroup var common: CommonOptions

    func run() throws {
        var options = DaemonOptions()
        options.source = source
        options.console = console
        options.receiveBufferBytes = receiveBuffer
        options.jsonLogPath = common.jsonLog
        options.includeEventRecords = !common.noEventRecords
        options.modulesDirectory = common.modulesDir
        options.probeTimeoutUsec = try common.probeTimeoutUsec()
        options.reorderWindowUsec = try common.reorderWindowUsec()
        let logger = common.makeLogger()
        do {
            try LiveDaemon(options: options, logger: logger).run()
        } catch {
            logger.critical("cannot run: \(error)")
            throw ExitCode(1)
        }
    }
}

extension UdevMonitor.Source: ExpressibleByArgument {}
extension ConsoleMode: ExpressibleByArgument {}
