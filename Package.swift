// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "probewatch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "probewatch", targets: ["probewatch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // C libraries come in through system-library targets: a modulemap and pkg-config, nothing else.
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CKmod", pkgConfig: "libkmod", providers: [.apt(["libkmod-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CLinux"),

        // Pure Swift: events, timelines, race rules, findings, records. No C import.
        .target(
            name: "ProbeWatchCore",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
        ),

        // Adapters: libudev, libkmod, files, replay readers, sinks, the event loop.
        .target(
            name: "ProbeWatch",
            dependencies: [
                "ProbeWatchCore", "CUdev", "CKmod", "CSystemd", "CLinux",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Thin executable: ArgumentParser commands that wire adapters to the core.
        .executableTarget(
            name: "probewatch",
            dependencies: [
                "ProbeWatch", "ProbeWatchCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "ProbeWatchCoreTests", dependencies: ["ProbeWatchCore"]),
        .testTarget(name: "ProbeWatchTests", dependencies: ["ProbeWatch", "ProbeWatchCore"]),
    ],
    swiftLanguageModes: [.v6]
)
