// swift-tools-version:6.0
import PackageDescription

// A stand-alone package so the benchmark is no product of probewatch. It compiles the core's sources
// through the `Sources/ProbeWatchCore` symlink (bench_tracker.py points a copy of it at another commit for
// a baseline) and takes swift-collections from the main package's checkout: run `swift build` there first.
let collections = Context.environment["PROBEWATCH_COLLECTIONS"] ?? "../../.build/checkouts/swift-collections"

let package = Package(
    name: "tracker-bench",
    dependencies: [.package(path: collections)],
    targets: [
        .target(
            name: "ProbeWatchCore",
            dependencies: [.product(name: "DequeModule", package: "swift-collections")]
        ),
        // The core rounds with libm's round(); the main package links libm through its adapters.
        .executableTarget(name: "TrackerBench", dependencies: ["ProbeWatchCore"],
                          linkerSettings: [.linkedLibrary("m")]),
    ],
    swiftLanguageModes: [.v6]
)
