import Foundation
import Testing
@testable import ProbeWatchCore

@Suite("Configuration file: syntax, keys and values, errors, precedence, rendering")
struct ConfigTests {
    static let mainPath = "/etc/probewatch/probewatch.conf"

    /// Applies each text as one file, in order, as the loader applies the main file and its drop-ins.
    func settings(_ texts: String...) throws -> Settings {
        var settings = Settings()
        for (index, text) in texts.enumerated() {
            try settings.apply(ConfigFile.parse(text, path: index == 0 ? Self.mainPath : "drop-in-\(index).conf"))
        }
        return settings
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try settings(text)
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    // MARK: Syntax

    @Test func commentsBlanksWhitespaceAndSections() throws {
        let text = "\u{FEFF}# comment\r\n; another comment\r\n\r\n  [Monitor]  \r\n\tSource = udev \r\n"
            + "[Output]\n  # indented comment\nConsole=\n[ JSONLog ]\nPath = /var/log/a=b #not a comment\n"
        let file = try ConfigFile.parse(text, path: "x.conf")
        #expect(file.path == "x.conf")
        #expect(file.entries == [
            .init(section: "Monitor", key: "Source", value: "udev", line: 5),
            .init(section: "Output", key: "Console", value: "", line: 8),
            .init(section: "JSONLog", key: "Path", value: "/var/log/a=b #not a comment", line: 10),
        ])
    }

    @Test func emptyAndCommentOnlyFilesHaveNoEntries() throws {
        #expect(try ConfigFile.parse("", path: "x").entries.isEmpty)
        #expect(try ConfigFile.parse("# only\n\n;comments\n[Probes]\n", path: "x").entries.isEmpty)
    }

    @Test(arguments: [
        ("[Probes]\nProbeTimeout\n",
         "/c.conf:2: [Probes]: 'ProbeTimeout' is neither Key=Value, a [Section] header nor a comment"),
        ("# header\nProbeTimeout=5s\n", "/c.conf:2: ProbeTimeout: key before any [Section] header"),
        ("[Probes]\n\n[Journal\n", "/c.conf:3: unterminated section header '[Journal'"),
        ("[Probes]\n = 5s\n", "/c.conf:2: [Probes]: missing key before '=' in '= 5s'"),
        ("[ ]\n", "/c.conf:1: empty section name"),
    ])
    func syntaxErrorsNameFileAndLine(text: String, description: String) {
        #expect(throws: ConfigError.self) { try ConfigFile.parse(text, path: "/c.conf") }
        do {
            _ = try ConfigFile.parse(text, path: "/c.conf")
        } catch {
            #expect(error.description == description)
        }
    }

    // MARK: Keys and values

    @Test func everyKeySetsItsProperty() throws {
        let parsed = try settings("""
            [Monitor]
            Source=udev
            ReceiveBufferSize=1G
            ReorderWindow=50ms
            ModulesDirectory=/lib/modules/6.1.0-test
            [Probes]
            ProbeTimeout=1min 30s
            TimelineEntries=8
            RemovedDevicesKept=0
            [JSONLog]
            Path=/var/log/probewatch.jsonl
            EventRecords=off
            MaxFileSize=0
            MaxFiles=100
            SyncInterval=500ms
            [Journal]
            Enabled=FALSE
            Probes=debug
            Events=1
            RateLimitIntervalSec=10s
            RateLimitBurst=1
            [Kmsg]
            Enabled=no
            Path=/run/probewatch-test/kmsg.fifo
            [Output]
            Console=findings
            """)
        var expected = Settings()
        expected.source = .udev
        expected.receiveBufferBytes = 1 << 30
        expected.reorderWindowUsec = 50_000
        expected.modulesDirectory = "/lib/modules/6.1.0-test"
        expected.probeTimeoutUsec = 90_000_000
        expected.timelineEntries = 8
        expected.removedDevicesKept = 0
        expected.jsonLogPath = "/var/log/probewatch.jsonl"
        expected.includeEventRecords = false
        expected.jsonLogMaxFileBytes = 0
        expected.jsonLogMaxFiles = 100
        expected.jsonLogSyncIntervalUsec = 500_000
        expected.journalEnabled = false
        expected.journalProbes = .debug
        expected.journalEvents = true
        expected.journalRateLimitIntervalUsec = 10_000_000
        expected.journalRateLimitBurst = 1
        expected.kmsgEnabled = false
        expected.kmsgPath = "/run/probewatch-test/kmsg.fifo"
        expected.console = .findings
        #expect(parsed == expected)
        // A key added to the table but missing above fails here.
        for key in Settings.keys {
            #expect(key.render(parsed) != key.render(Settings()), "\(key.name) not covered")
        }
    }

    @Test func defaults() {
        let defaults = Settings()
        #expect(defaults.source == .kernel)
        #expect(defaults.receiveBufferBytes == 128 * 1024 * 1024)
        #expect(defaults.reorderWindowUsec == 20_000)
        #expect(defaults.modulesDirectory == nil)
        #expect(defaults.probeTimeoutUsec == 30_000_000)
        #expect(defaults.jsonLogPath == nil)
        #expect(defaults.includeEventRecords)
        #expect(defaults.jsonLogMaxFileBytes == 64 * 1024 * 1024)
        #expect(defaults.jsonLogMaxFiles == 5)
        #expect(defaults.jsonLogSyncIntervalUsec == 5_000_000)
        #expect(defaults.journalEnabled)
        #expect(defaults.journalProbes == .info)
        #expect(defaults.journalEvents == false)
        #expect(defaults.journalRateLimitIntervalUsec == 30_000_000)
        #expect(defaults.journalRateLimitBurst == 1000)
        #expect(defaults.console == .auto)
    }

    /// Good values, and the line `rendered()` writes for them (the canonical spelling).
    @Test(arguments: [
        ("Monitor", "Source=kernel", "Source=kernel"), ("Monitor", "Source=udev", "Source=udev"),
        ("Monitor", "ReceiveBufferSize=64K", "ReceiveBufferSize=64K"),
        ("Monitor", "ReceiveBufferSize=2048", "ReceiveBufferSize=2K"),
        ("Monitor", "ReceiveBufferSize=1000", "ReceiveBufferSize=1000"),
        ("Monitor", "ReceiveBufferSize=3072M", "ReceiveBufferSize=3G"),
        ("Monitor", "ReorderWindow=0", "ReorderWindow=0"), ("Monitor", "ReorderWindow=1.5s", "ReorderWindow=1s 500ms"),
        ("Monitor", "ReorderWindow=250us", "ReorderWindow=250us"),
        ("Monitor", "ModulesDirectory=/tmp/mods", "ModulesDirectory=/tmp/mods"),
        ("Probes", "ProbeTimeout=500ms", "ProbeTimeout=500ms"), ("Probes", "ProbeTimeout=2min", "ProbeTimeout=2min"),
        ("Probes", "ProbeTimeout=7", "ProbeTimeout=7s"), ("Probes", "ProbeTimeout=90min", "ProbeTimeout=1h 30min"),
        ("JSONLog", "Path=-", "Path=-"), ("JSONLog", "Path=/var/log/p.jsonl", "Path=/var/log/p.jsonl"),
        ("JSONLog", "MaxFileSize=64K", "MaxFileSize=64K"), ("JSONLog", "MaxFileSize=0", "MaxFileSize=0"),
        ("JSONLog", "MaxFileSize=100000", "MaxFileSize=100000"),
        ("JSONLog", "MaxFiles=1", "MaxFiles=1"), ("JSONLog", "MaxFiles=100", "MaxFiles=100"),
        ("JSONLog", "SyncInterval=1us", "SyncInterval=1us"),
        ("Journal", "Probes=info", "Probes=info"), ("Journal", "Probes=debug", "Probes=debug"),
        ("Journal", "Probes=no", "Probes=no"),
        ("Journal", "RateLimitIntervalSec=1h 2min 3s 4ms 5us", "RateLimitIntervalSec=1h 2min 3s 4ms 5us"),
        ("Journal", "RateLimitBurst=1", "RateLimitBurst=1"),
        ("Journal", "RateLimitBurst=50000", "RateLimitBurst=50000"),
        ("Output", "Console=auto", "Console=auto"), ("Output", "Console=events", "Console=events"),
        ("Output", "Console=findings", "Console=findings"), ("Output", "Console=none", "Console=none"),
    ])
    func goodValues(section: String, assignment: String, rendered: String) throws {
        let parsed = try settings("[\(section)]\n\(assignment)\n")
        #expect(parsed.rendered().split(separator: "\n").contains(Substring(rendered)))
    }

    /// What systemd's parse_boolean() accepts, in any case.
    @Test(arguments: [("1", true), ("yes", true), ("y", true), ("true", true), ("t", true), ("on", true),
                      ("YES", true), ("On", true), ("0", false), ("no", false), ("n", false), ("false", false),
                      ("f", false), ("off", false), ("No", false), ("OFF", false)])
    func booleans(text: String, value: Bool) throws {
        let parsed = try settings("[JSONLog]\nEventRecords=\(text)\n[Journal]\nEnabled=\(text)\nEvents=\(text)\n")
        #expect(parsed.includeEventRecords == value)
        #expect(parsed.journalEnabled == value)
        #expect(parsed.journalEvents == value)
    }

    /// Bad values: the error names the file, the line, the section, the key and the value.
    @Test(arguments: [
        ("Monitor", "Source", "Kernel", "invalid value 'Kernel' (expected kernel or udev)"),
        ("Monitor", "ReceiveBufferSize", "128MB", "invalid size '128MB' (expected bytes or e.g. 64K, 128M, 1G)"),
        ("Monitor", "ReceiveBufferSize", "1.5M", "invalid size '1.5M' (expected bytes or e.g. 64K, 128M, 1G)"),
        ("Monitor", "ReceiveBufferSize", "-1", "invalid size '-1' (expected bytes or e.g. 64K, 128M, 1G)"),
        ("Monitor", "ReceiveBufferSize", "M", "invalid size 'M' (expected bytes or e.g. 64K, 128M, 1G)"),
        ("Monitor", "ReceiveBufferSize", "99999999999999G",
         "invalid size '99999999999999G' (expected bytes or e.g. 64K, 128M, 1G)"),
        ("Monitor", "ReceiveBufferSize", "0", "must be greater than 0"),
        ("Monitor", "ReorderWindow", "soon", "invalid time span 'soon' (expected e.g. 30s, 500ms, 2min, 1.5s)"),
        ("Monitor", "ModulesDirectory", "lib/modules", "'lib/modules' is not an absolute path"),
        ("Probes", "ProbeTimeout", "abc", "invalid time span 'abc' (expected e.g. 30s, 500ms, 2min, 1.5s)"),
        ("Probes", "ProbeTimeout", "0", "must be greater than 0"),
        ("Probes", "ProbeTimeout", "-5s", "invalid time span '-5s' (expected e.g. 30s, 500ms, 2min, 1.5s)"),
        ("JSONLog", "Path", "probewatch.jsonl", "'probewatch.jsonl' is not an absolute path or '-' for stdout"),
        ("JSONLog", "EventRecords", "maybe", "invalid boolean 'maybe' (expected yes or no)"),
        ("JSONLog", "MaxFileSize", "1K", "must be 0 (never rotate) or at least 64K"),
        ("JSONLog", "MaxFileSize", "65535", "must be 0 (never rotate) or at least 64K"),
        ("JSONLog", "MaxFiles", "0", "invalid integer '0' (expected 1 to 100)"),
        ("JSONLog", "MaxFiles", "101", "invalid integer '101' (expected 1 to 100)"),
        ("JSONLog", "MaxFiles", "five", "invalid integer 'five' (expected 1 to 100)"),
        ("JSONLog", "SyncInterval", "0", "must be greater than 0"),
        ("Journal", "Enabled", "2", "invalid boolean '2' (expected yes or no)"),
        ("Journal", "Probes", "warning", "invalid value 'warning' (expected info, debug or no)"),
        ("Journal", "Events", "yes please", "invalid boolean 'yes please' (expected yes or no)"),
        ("Journal", "RateLimitIntervalSec", "0", "must be greater than 0"),
        ("Journal", "RateLimitBurst", "0", "invalid integer '0' (expected at least 1)"),
        ("Journal", "RateLimitBurst", "-5", "invalid integer '-5' (expected at least 1)"),
        ("Output", "Console", "all", "invalid value 'all' (expected auto, events, findings or none)"),
    ])
    func badValues(section: String, key: String, value: String, message: String) {
        let text = "# probewatch\n\n[\(section)]\n\(key) = \(value)\n"
        #expect(error(text) == ConfigError(path: Self.mainPath, line: 4, section: section, key: key, value: value,
                                           message: message))
        #expect(error(text)?.description == "\(Self.mainPath):4: [\(section)] \(key)=\(value): \(message)")
    }

    // MARK: Errors

    @Test func errorDescriptionsNameFileLineSectionAndKey() {
        let unknownKey = String(repeating: "\n", count: 10) + "[Journal]\nFoo=1\n"
        #expect(error(unknownKey)?.description == "/etc/probewatch/probewatch.conf:12: [Journal] Foo: unknown key")
        let badSpan = String(repeating: "# x\n", count: 5) + "[Probes]\nProbeTimeout=abc\n"
        #expect(error(badSpan)?.description == "/etc/probewatch/probewatch.conf:7: [Probes] ProbeTimeout=abc: "
            + "invalid time span 'abc' (expected e.g. 30s, 500ms, 2min, 1.5s)")
    }

    @Test func unknownSectionsAndKeysAreErrors() {
        #expect(error("[Jurnal]\nEnabled=no\n")
            == ConfigError(path: Self.mainPath, line: 2, section: "Jurnal", key: "Enabled", message: "unknown section"))
        #expect(error("[Journal]\nProbeTimeout=5s\n")?.message == "unknown key")
        #expect(error("[Probes]\nprobetimeout=5s\n")?.message == "unknown key (did you mean ProbeTimeout?)")
        // An empty value does not excuse an unknown key.
        #expect(error("[Probes]\nTimeout=\n")?.message == "unknown key")
    }

    @Test func aFailedApplyChangesNothing() throws {
        var settings = Settings()
        let file = try ConfigFile.parse("[Probes]\nProbeTimeout=5s\n[Output]\nConsole=loud\n", path: "x")
        #expect(throws: ConfigError.self) { try settings.apply(file) }
        #expect(settings == Settings())
    }

    // MARK: Precedence and resets

    @Test func laterEntriesOverrideEarlierOnes() throws {
        let parsed = try settings("[Probes]\nProbeTimeout=5s\n[Output]\nConsole=none\n[Probes]\nProbeTimeout=7s\n")
        #expect(parsed.probeTimeoutUsec == 7_000_000)
        #expect(parsed.console == .none)
    }

    @Test func emptyValueResetsToTheDefault() throws {
        let sameFile = try settings("[JSONLog]\nPath=/var/log/p.jsonl\nMaxFiles=9\nPath=\nMaxFiles=\n")
        #expect(sameFile == Settings())
        let acrossFiles = try settings("[Probes]\nProbeTimeout=10s\n[Monitor]\nModulesDirectory=/m\n",
                                       "[Probes]\nProbeTimeout=\n")
        #expect(acrossFiles.probeTimeoutUsec == 30_000_000)
        #expect(acrossFiles.modulesDirectory == "/m")
    }

    @Test func dropInsApplyInOrderOverTheMainFile() throws {
        let main = "[Probes]\nProbeTimeout=10s\n[JSONLog]\nMaxFiles=2\nPath=/var/log/main.jsonl\n"
        let first = "[Probes]\nProbeTimeout=15s\n[Journal]\nProbes=debug\n"
        let second = "[Probes]\nProbeTimeout=20s\n[JSONLog]\nPath=-\n"
        let parsed = try settings(main, first, second)
        #expect(parsed.probeTimeoutUsec == 20_000_000)
        #expect(parsed.jsonLogMaxFiles == 2)
        #expect(parsed.jsonLogPath == "-")
        #expect(parsed.journalProbes == .debug)
        #expect(try settings(main, second, first).probeTimeoutUsec == 15_000_000)
    }

    // MARK: Rendering

    @Test func renderedDefaultsListEverySectionAndKeyOnce() throws {
        let text = Settings().rendered()
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0.contains("=") }.count == Settings.keys.count)
        #expect(lines.filter { $0.hasPrefix("[") } == ["[Monitor]", "[Probes]", "[JSONLog]", "[Journal]", "[Kmsg]", "[Output]"])
        #expect(lines.contains("ProbeTimeout=30s"))
        #expect(lines.contains("ReceiveBufferSize=128M"))
        #expect(lines.contains("ReorderWindow=20ms"))
        #expect(lines.contains("Path="))
        #expect(try settings(text) == Settings())
    }

    @Test func renderedRoundTrips() throws {
        var custom = Settings()
        custom.source = .udev
        custom.receiveBufferBytes = 1_000_001
        custom.reorderWindowUsec = 1_500
        custom.modulesDirectory = "/opt/mods dir"
        custom.probeTimeoutUsec = 3_723_004_005
        custom.jsonLogPath = "-"
        custom.includeEventRecords = false
        custom.jsonLogMaxFileBytes = 65_537
        custom.jsonLogMaxFiles = 1
        custom.jsonLogSyncIntervalUsec = 1
        custom.journalEnabled = false
        custom.journalProbes = .no
        custom.journalEvents = true
        custom.journalRateLimitIntervalUsec = 86_400_000_000
        custom.journalRateLimitBurst = 7
        custom.console = .none
        #expect(try settings(custom.rendered()) == custom)
        #expect(try settings(Settings().rendered()) == Settings())
    }

    // MARK: The shipped file

    static let shippedFile = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("config/probewatch.conf")

    @Test func shippedFileParsesToTheDefaults() throws {
        let text = try String(contentsOf: Self.shippedFile, encoding: .utf8)
        let file = try ConfigFile.parse(text, path: Self.shippedFile.path)
        #expect(file.entries.isEmpty)
        #expect(try settings(text) == Settings())
    }

    /// Uncommenting every `#Key=value` line must also give the defaults, and name every key exactly once:
    /// the commented values are the real defaults, and no key is missing or misspelt.
    @Test func shippedFileCommentsOutEveryKeyWithItsDefault() throws {
        let text = try String(contentsOf: Self.shippedFile, encoding: .utf8)
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.first == "#" && line.dropFirst().first?.isUppercase == true && line.contains("=")
                ? line.dropFirst() : line
        }.joined(separator: "\n")
        let file = try ConfigFile.parse(uncommented, path: "uncommented")
        #expect(file.entries.map { "\($0.section).\($0.key)" } == Settings.keys.map { "\($0.section).\($0.name)" })
        var parsed = Settings()
        try parsed.apply(file)
        #expect(parsed == Settings())
        #expect(file.entries.map { "\($0.key)=\($0.value)" }
            == Settings().rendered().split(separator: "\n").filter { $0.contains("=") }.map(String.init))
    }
}
