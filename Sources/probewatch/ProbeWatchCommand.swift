import ArgumentParser

@main
struct ProbeWatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probewatch",
        abstract: "Watch kernel uevents and report driver probe races.",
        discussion: """
            probewatch rebuilds a timeline of driver probing for every device from the kernel's \
            add/remove/bind/unbind uevents, and reports orderings that should not happen: a driver removed \
            while a probe of a matching device was pending, a bind after its driver was removed, and more.
            """,
        subcommands: [
            RunCommand.self, ReplayCommand.self, ConfigCommand.self, TimelineCommand.self, RacesCommand.self,
            ExportCommand.self, PlotCommand.self,
        ]
    )
}
