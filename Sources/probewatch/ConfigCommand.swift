import ArgumentParser
import Glibc
import ProbeWatch

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the configuration file and its drop-ins.",
        subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print the effective settings.",
            discussion: """
                Reads the file and its drop-ins (<file>.d/*.conf, in lexical order), prints the files read as \
                comments, then every setting with its effective value, as a valid configuration file. On an \
                error, prints it as file:line: [Section] Key: message and exits with status 1.
                """)

        @Argument(help: ArgumentHelp("Main configuration file (default: \(ConfigLoader.defaultPath)).",
                                     valueName: "path"))
        var path: String?

        @Flag(name: .shortAndLong, help: "Print nothing when the configuration is valid (for ExecReload=).")
        var quiet = false

        func run() throws {
            do {
                // The default file may be absent (built-in defaults); a file named on the command line may not.
                let loaded = try ConfigLoader.load(path: path ?? ConfigLoader.defaultPath, requireMainFile: path != nil)
                if quiet { return }
                let header = loaded.files.isEmpty ? ["# no configuration files: built-in defaults"]
                                                  : loaded.files.map { "# \($0)" }
                print((header + ["", loaded.settings.rendered()]).joined(separator: "\n"), terminator: "")
            } catch {
                printToStandardError("\(error)")
                throw ExitCode(1)
            }
        }
    }
}
