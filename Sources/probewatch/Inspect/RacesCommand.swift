import ArgumentParser
import ProbeWatchCore

struct RacesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "races",
        abstract: "List the findings of a log or the journal, counted per kind and per driver.")

    @Option(help: ArgumentHelp("Only this kind (e.g. driver-removed-before-bind).", valueName: "kind"))
    var kind: FindingKind?

    @Flag(help: "Print the same as JSON.")
    var json = false

    @OptionGroup var input: InputOptions

    func run() throws {
        let summary = RaceSummary(InspectionIndex(try input.records()), kind: kind)
        print(json ? try JSONOutput.encode(summary) : TimelineText.races(summary))
    }
}

extension FindingKind: ExpressibleByArgument {}
