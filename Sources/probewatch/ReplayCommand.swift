import ArgumentParser
import ProbeWatch

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the same pipeline offline over recorded uevents.",
        discussion: """
            Reads `udevadm monitor` output (with or without --property, --kernel, --udev) or probewatch's own \
            JSON Lines log; the format is detected from the first line unless --format says otherwise. \
            KERNEL and UDEV copies of the same event count once.
            """)

    @Option(help: "Input format: auto, udevadm or jsonl.")
    var format: ReplayFormat = .auto

    @OptionGroup var common: CommonOptions

    @Argument(help: ArgumentHelp("Recorded files, replayed in the order given.", valueName: "file"))
    var files: [String]

    func run() throws {
        let logger = common.makeLogger()
        var options = ReplayOptions()
        options.format = format
        options.jsonLogPath = common.jsonLog
        options.includeEventRecords = !common.noEventRecords
        options.modulesDirectory = common.modulesDir
        if let usec = try common.probeTimeoutUsec() { options.probeTimeoutUsec = usec }
        if let usec = try common.reorderWindowUsec() { options.reorderWindowUsec = usec }
        do {
            try OfflineReplay(options: options, logger: logger).run(files: files)
        } catch {
            logger.error("replay failed: \(error)")
            throw ExitCode(1)
        }
    }
}

extension ReplayFormat: ExpressibleByArgument {}
