import ArgumentParser
import ProbeWatch
import ProbeWatchCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write probewatch's journal entries as its JSON Lines log.",
        discussion: """
            Every entry probewatch logged carries its JSON Lines record in PROBEWATCH_JSON; export writes \
            them out, oldest first, so journal data and file logs are interchangeable: timeline, races, \
            plot and replay read the result like the daemon's own log. Raw uevents are in the journal only \
            with [Journal] Events=yes.
            """)

    @Flag(name: .customLong("from-journal"), help: "Read from the journal (the only source for now).")
    var fromJournal = false

    @Option(name: [.customShort("D"), .customLong("directory")], help: ArgumentHelp(
        "A journal directory (as journalctl -D) instead of this machine's journal.", valueName: "dir"))
    var directory: String?

    @Option(help: ArgumentHelp("Entries from this time on (RFC 3339).", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Entries up to this time (RFC 3339).", valueName: "time"))
    var until: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of stdout.", valueName: "file"))
    var output: String?

    func validate() throws {
        guard fromJournal else { throw ValidationError("say where from: --from-journal") }
        for (text, option) in [(since, "--since"), (until, "--until")] where text != nil && RFC3339.parse(text!) == nil {
            throw ValidationError("\(option): '\(text!)' is not an RFC 3339 time (e.g. 2026-11-25T10:00:00Z)")
        }
    }

    func run() throws {
        let lines: [String]
        do {
            lines = try JournalReader(directory: directory)
                .records(sinceUsec: since.flatMap(RFC3339.parse), untilUsec: until.flatMap(RFC3339.parse))
        } catch {
            throw CleanExit.failure("cannot read \(directory.map { "the journal in \($0)" } ?? "the journal"): \(error)")
        }
        guard !lines.isEmpty else { throw CleanExit.failure("no probewatch entries in the journal") }
        let text = lines.map { $0 + "\n" }.joined()
        guard let output else { return print(text, terminator: "") }
        do {
            try OutputFile.write(text, to: output)
        } catch {
            throw CleanExit.failure("cannot write \(output): \(error)")
        }
    }
}
