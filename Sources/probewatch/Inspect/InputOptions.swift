import ArgumentParser
import Glibc
import ProbeWatch
import ProbeWatchCore

/// Where `timeline`, `races` and `plot` read records from, and which time range they keep.
struct InputOptions: ParsableArguments {
    @Option(name: .customLong("from"), help: ArgumentHelp(
        "JSON Lines log to read (repeat for rotated files, oldest first).", valueName: "file"))
    var files: [String] = []

    @Flag(help: "Read probewatch's entries from the journal instead (raw uevents only if [Journal] Events=yes).")
    var journal = false

    @Option(name: [.customShort("D"), .customLong("directory")], help: ArgumentHelp(
        "With --journal: a journal directory (as journalctl -D), e.g. one copied from another machine.",
        valueName: "dir"))
    var directory: String?

    @Option(help: ArgumentHelp("Keep records from this time on (RFC 3339, e.g. 2026-11-25T10:00:00Z).",
                               valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Keep records up to this time (RFC 3339).", valueName: "time"))
    var until: String?

    func validate() throws {
        let fromJournal = journal || directory != nil
        if files.isEmpty && !fromJournal { throw ValidationError("give --from FILE or --journal") }
        if !files.isEmpty && fromJournal { throw ValidationError("--from and --journal/--directory exclude each other") }
        _ = try time(since, "--since")
        _ = try time(until, "--until")
    }

    /// Reads and reports what was skipped on stderr; an input without records is an error (exit 1).
    func records() throws -> [Record] {
        let origin: RecordInput.Origin = files.isEmpty ? .journal(directory: directory) : .files(files)
        let input = RecordInput(origin: origin, sinceUsec: try time(since, "--since"), untilUsec: try time(until, "--until"))
        let result: RecordInput.Result
        do {
            result = try input.read()
        } catch {
            throw CleanExit.failure("cannot read \(describe(origin)): \(error)")
        }
        for problem in result.problems { printToStandardError("probewatch: \(problem)") }
        if result.records.isEmpty {
            throw CleanExit.failure("no probewatch records in \(describe(origin))"
                + (since != nil || until != nil ? " in that time range" : ""))
        }
        return result.records
    }

    private func describe(_ origin: RecordInput.Origin) -> String {
        switch origin {
        case .files(let paths): paths.joined(separator: ", ")
        case .journal(let directory): directory.map { "the journal in \($0)" } ?? "the journal"
        }
    }

    private func time(_ text: String?, _ option: String) throws -> Int64? {
        guard let text else { return nil }
        guard let usec = RFC3339.parse(text) else {
            throw ValidationError("\(option): '\(text)' is not an RFC 3339 time (e.g. 2026-11-25T10:00:00Z)")
        }
        return usec
    }
}

/// Ends a command with a message on stderr and exit status 1, without ArgumentParser's usage text.
enum CleanExit {
    static func failure(_ message: String) -> ExitCode {
        printToStandardError("probewatch: \(message)")
        return ExitCode(1)
    }
}

/// Through write(2): Glibc's `stderr` is a global variable that strict concurrency refuses.
func printToStandardError(_ message: String) {
    let bytes = Array((message + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
