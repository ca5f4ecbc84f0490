import Foundation
import ProbeWatchCore
import Testing
@testable import ProbeWatch

@Suite("Config loader: main file, drop-ins, missing and unreadable files")
final class ConfigLoaderTests {
    let root: String
    var main: String { "\(root)/probewatch.conf" }
    var dropInDir: String { "\(root)/probewatch.conf.d" }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pw-config-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func write(_ text: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func loadError(path: String, requireMainFile: Bool = false) -> ConfigError? {
        do {
            _ = try ConfigLoader.load(path: path, requireMainFile: requireMainFile)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test func dropInsOverrideTheMainFileInLexicalOrder() throws {
        try write("[Probes]\nProbeTimeout=10s\n[Output]\nConsole=none\n", to: main)
        // Written out of order: the file name decides, not the creation order.
        try write("[Probes]\nProbeTimeout=20s\n", to: "\(dropInDir)/20-b.conf")
        try write("[Probes]\nProbeTimeout=15s\n[JSONLog]\nMaxFiles=7\n", to: "\(dropInDir)/10-a.conf")
        // Not drop-ins: wrong suffix, hidden, a directory.
        try write("garbage\n", to: "\(dropInDir)/30-c.conf.disabled")
        try write("garbage\n", to: "\(dropInDir)/README")
        try write("garbage\n", to: "\(dropInDir)/.hidden.conf")
        try FileManager.default.createDirectory(atPath: "\(dropInDir)/40-dir.conf", withIntermediateDirectories: true)

        let loaded = try ConfigLoader.load(path: main, requireMainFile: true)
        #expect(loaded.files == [main, "\(dropInDir)/10-a.conf", "\(dropInDir)/20-b.conf"])
        #expect(loaded.settings.probeTimeoutUsec == 20_000_000)
        #expect(loaded.settings.jsonLogMaxFiles == 7)
        #expect(loaded.settings.console == .none)
    }

    @Test func missingMainFileAndDropInDirectoryGiveTheDefaults() throws {
        let loaded = try ConfigLoader.load(path: main, requireMainFile: false)
        #expect(loaded.settings == Settings())
        #expect(loaded.files.isEmpty)
    }

    @Test func dropInsApplyWithoutAMainFile() throws {
        try write("[Journal]\nEvents=yes\n", to: "\(dropInDir)/events.conf")
        let loaded = try ConfigLoader.load(path: main, requireMainFile: false)
        #expect(loaded.settings.journalEvents)
        #expect(loaded.files == ["\(dropInDir)/events.conf"])
    }

    @Test func aRequiredMainFileMustExist() {
        #expect(loadError(path: main, requireMainFile: true)
            == ConfigError(path: main, message: "cannot read: No such file or directory"))
    }

    @Test func anErrorInADropInNamesTheDropInAndLine() throws {
        try write("[Probes]\nProbeTimeout=10s\n", to: main)
        try write("[Probes]\nProbeTimeout=5s\n", to: "\(dropInDir)/10-a.conf")
        try write("# broken\n[Probes]\nProbeTimeout=never\n", to: "\(dropInDir)/20-b.conf")
        let error = try #require(loadError(path: main))
        #expect(error.path == "\(dropInDir)/20-b.conf")
        #expect(error.line == 3)
        #expect(error.description.hasPrefix("\(dropInDir)/20-b.conf:3: [Probes] ProbeTimeout=never: invalid time span"))
    }

    @Test func unreadableAndNonUTF8FilesAreErrorsNamingTheFile() throws {
        try FileManager.default.createDirectory(atPath: main, withIntermediateDirectories: true)
        #expect(loadError(path: main) == ConfigError(path: main, message: "cannot read: Is a directory"))

        let latin1 = "\(root)/latin1.conf"
        try Data("[Probes]\n# caf".utf8 + [0xe9] + "\nProbeTimeout=5s\n".utf8).write(to: URL(fileURLWithPath: latin1))
        #expect(loadError(path: latin1) == ConfigError(path: latin1, line: 2, message: "not valid UTF-8"))
    }
}
