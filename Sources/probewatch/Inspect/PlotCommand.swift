import ArgumentParser
import ProbeWatchCore

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a log's probes and races as an SVG or HTML timeline.",
        discussion: """
            Like `systemd-analyze plot`: one lane per device, grouped under the driver that probed it, a bar \
            from the moment a probe became pending to its bind, red where probewatch reported a race, and \
            markers for driver and module registrations and the device's unbind and remove. Long idle \
            stretches are cut out of the time axis. The format follows the output's extension: .svg, or \
            .html for a small page with the same picture inline.
            """)

    enum Format {
        case svg, html
    }

    @OptionGroup var input: InputOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp(
        "The file to write; .svg or .html.", valueName: "path"))
    var output: String

    func validate() throws {
        _ = try format()
    }

    func run() throws {
        let format = try format()
        let index = InspectionIndex(try input.records())
        let document = switch format {
        case .svg: TimelinePlot.svg(index)
        case .html: TimelinePlot.html(index, title: "probewatch timeline of " + title)
        }
        do {
            try OutputFile.write(document, to: output)
        } catch {
            throw CleanExit.failure("cannot write \(output): \(error)")
        }
    }

    private func format() throws -> Format {
        let name = output.split(separator: "/").last.map(String.init) ?? ""
        let dot = name.lastIndex(of: ".")
        switch dot.map({ name[name.index(after: $0)...].lowercased() }) {
        case "svg": return .svg
        case "html", "htm": return .html
        default:
            throw ValidationError("--output: '\(output)' should end in .svg or .html (the format follows the extension)")
        }
    }

    private var title: String {
        if input.files.isEmpty { return input.directory ?? "the journal" }
        return input.files.map { $0.split(separator: "/").last.map(String.init) ?? $0 }.joined(separator: ", ")
    }
}
