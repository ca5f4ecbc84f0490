import Foundation
import Logging
import Testing
@testable import ProbeWatch

/// Builds a module tree as depmod sees it: a `.o` whose `.modinfo` holds alias= and name=, installed
/// as `*.ko`. Nothing is loaded; libkmod only reads the index files.
enum ModuleTree {
    static func make(modules: [String: [String]]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pw-modtree-\(UUID())").path
        let version = "6.0.0-probewatch"
        let kernelDir = "\(root)/lib/modules/\(version)/kernel"
        try FileManager.default.createDirectory(atPath: kernelDir, withIntermediateDirectories: true)
        for (name, aliases) in modules {
            let lines = (aliases.map { "alias=\($0)" } + ["name=\(name)", "license=GPL"]).enumerated().map {
                "static const char __attribute__((section(\".modinfo\"), used, aligned(1))) i\($0.offset)[] = \"\($0.element)\";"
            }
            let source = "\(root)/\(name).c"
            try lines.joined(separator: "\n").write(toFile: source, atomically: true, encoding: .utf8)
            try run("/usr/bin/gcc", ["-c", source, "-o", "\(kernelDir)/\(name).ko"])
        }
        try run("/sbin/depmod", ["-b", root, version])
        return "\(root)/lib/modules/\(version)"
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad) }
    }
}

@Suite("MODALIAS lookups through libkmod")
struct ModaliasResolverTests {
    let logger = Logger(label: "test")

    @Test func aliasesResolveToTheirModules() throws {
        let directory = try ModuleTree.make(modules: [
            "pwtest_async": ["pwtest:v0001d*"], "pw_other": ["pwtest:v0002d*", "pwtest:v0001d0003"],
        ])
        let resolver = try ModaliasResolver(directory: directory, logger: logger)
        #expect(resolver.modules(for: "pwtest:v0001d0001") == ["pwtest_async"])
        #expect(Set(resolver.modules(for: "pwtest:v0001d0003")) == ["pwtest_async", "pw_other"])
        #expect(resolver.modules(for: "pwtest:v0002d0009") == ["pw_other"])
        #expect(resolver.modules(for: "nothing:here").isEmpty)
    }

    @Test func aDirectoryWithoutAnIndexIsAClearError() {
        #expect(throws: ModaliasResolver.ResolverError.self) {
            try ModaliasResolver(directory: "/nonexistent", logger: logger)
        }
    }
}
