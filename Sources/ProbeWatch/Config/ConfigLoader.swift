import Glibc
import ProbeWatchCore

/// Reads probewatch.conf the way systemd reads journald.conf: the main file, then the drop-ins
/// `<main>.d/*.conf` in lexical order of file name, each overriding what came before.
public enum ConfigLoader {
    public static let defaultPath = "/etc/probewatch/probewatch.conf"

    /// The settings and the files read, in the order applied. A missing main file means defaults (unless
    /// `requireMainFile`), a missing drop-in directory means no drop-ins. Throws `ConfigError` only.
    public static func load(path: String, requireMainFile: Bool) throws -> (settings: Settings, files: [String]) {
        var settings = Settings()
        var files: [String] = []
        for file in try [path] + dropIns(of: path) {
            guard let text = try text(of: file, required: file == path && requireMainFile) else { continue }
            try settings.apply(ConfigFile.parse(text, path: file))
            files.append(file)
        }
        return (settings, files)
    }

    /// Regular `*.conf` files in `<path>.d`, sorted by name; hidden files are skipped, as systemd does.
    private static func dropIns(of path: String) throws(ConfigError) -> [String] {
        let directory = path + ".d"
        let names: [String]?
        do {
            names = try TextFile.directoryEntries(directory)
        } catch {
            throw ConfigError(path: directory, message: "cannot list drop-ins: \(reason(error))")
        }
        return (names ?? [])
            .filter { $0.hasSuffix(".conf") && !$0.hasPrefix(".") }
            .sorted()
            .map { "\(directory)/\($0)" }
            .filter(isRegularFile)
    }

    /// The file's text, or nil when it does not exist and need not.
    private static func text(of path: String, required: Bool) throws(ConfigError) -> String? {
        let bytes: [UInt8]
        do {
            bytes = try TextFile.readBytes(path)
        } catch let error as SystemError where error.errno == ENOENT && !required {
            return nil
        } catch {
            throw ConfigError(path: path, message: "cannot read: \(reason(error))")
        }
        return try utf8(bytes, path: path)
    }

    /// Validated per line, so the error can name the line that is not UTF-8.
    private static func utf8(_ bytes: [UInt8], path: String) throws(ConfigError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        let bad = lines.firstIndex(where: { String(validating: $0, as: UTF8.self) == nil })
        throw ConfigError(path: path, line: bad.map { $0 + 1 }, message: "not valid UTF-8")
    }

    private static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    private static func reason(_ error: any Error) -> String {
        (error as? SystemError).map { String(cString: strerror($0.errno)) } ?? "\(error)"
    }
}
