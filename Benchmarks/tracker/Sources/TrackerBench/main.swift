import Glibc
import ProbeWatchCore

/// Feeds pre-built uevents straight into `EventPipeline.ingest` with a no-op sink and prints CPU ns/event:
/// validation, reordering, tracking and the race rules, without parsing, encoding or I/O.
///
///   TrackerBench [--events N] [--rounds N] [--stream live|replay|all] [--digest]
///
/// `--digest` also prints a hash of every record emitted and of every timeline left, to compare builds.
struct Options {
    var events = 200_000
    var rounds = 7
    var streams = ["live", "replay"]
    var digest = false

    init(_ arguments: [String]) {
        var rest = arguments.dropFirst()
        while let flag = rest.popFirst() {
            switch flag {
            case "--events": events = Int(rest.popFirst() ?? "") ?? events
            case "--rounds": rounds = Int(rest.popFirst() ?? "") ?? rounds
            case "--stream": streams = rest.popFirst().map { $0 == "all" ? streams : [$0] } ?? streams
            case "--digest": digest = true
            default: fatalError("unknown argument \(flag)")
            }
        }
    }
}

/// Stands in for the daemon's cached libkmod lookup: a dictionary hit per call, no modules known.
final class ModaliasCache {
    private var cache: [String: [String]] = [:]

    func modules(for modalias: String) -> [String] {
        if let cached = cache[modalias] { return cached }
        cache[modalias] = []
        return []
    }
}

func makePipeline() -> EventPipeline {
    var configuration = ProbeTracker.Configuration()
    let resolver = ModaliasCache()
    configuration.modulesForModalias = resolver.modules(for:)
    return EventPipeline(tracker: ProbeTracker(configuration: configuration), reorderWindowUsec: 20_000)
}

/// CPU time of this thread: the VM is shared, and wall time would count other builds' turns.
func threadCPUNanoseconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) * 1e9 + Double(now.tv_nsec)
}

/// One pass over the stream; returns the CPU nanoseconds it took and how many records came out.
func run(_ events: [UEvent]) -> (nanoseconds: Double, records: Int) {
    var pipeline = makePipeline()
    var records = 0
    let start = threadCPUNanoseconds()
    for event in events {
        pipeline.ingest(event) { _ in records += 1 }
    }
    pipeline.finish(at: events.last!.received) { _ in records += 1 }
    return (threadCPUNanoseconds() - start, records)
}

/// UEventValidation alone. An event checks itself when it is made (so `ingest` no longer includes it): timed
/// apart, on the same fields.
func validate(_ events: [UEvent]) -> Double {
    var problems = 0
    let start = threadCPUNanoseconds()
    for event in events where UEventValidation.problem(devpath: event.devpath, escapedKeys: event.escapedKeys) != nil {
        problems += 1
    }
    let elapsed = threadCPUNanoseconds() - start
    precondition(problems == 0, "the synthetic streams are valid")
    return elapsed
}

/// FNV-1a over the text of every record and timeline: equal digests mean equal observable behaviour.
func digest(_ events: [UEvent]) -> UInt64 {
    var pipeline = makePipeline()
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    func mix(_ text: String) {
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    }
    for event in events {
        pipeline.ingest(event) { mix(String(describing: $0)) }
    }
    pipeline.finish(at: events.last!.received) { mix(String(describing: $0)) }
    for (devpath, device) in pipeline.tracker.devices.sorted(by: { $0.key < $1.key }) {
        mix(devpath)
        mix(String(describing: device.bindState))
        mix("\(device.droppedEntries)")
        for entry in device.entries {
            mix("\(entry.seqnum ?? 0) \(entry.action?.rawValue ?? "-") \(entry.driver ?? "-") \(entry.time)")
            mix(entry.note ?? "-")
        }
    }
    return hash
}

let options = Options(CommandLine.arguments)
print("DeviceState \(MemoryLayout<DeviceState>.size) B, TimelineEntry \(MemoryLayout<TimelineEntry>.stride) B")
for name in options.streams {
    let events = name == "live" ? liveProbeMix(events: options.events) : replayMix(events: options.events)
    var samples: [Double] = []
    var validation: [Double] = []
    var records = 0
    for _ in 0..<options.rounds {
        let (nanoseconds, count) = run(events)
        samples.append(nanoseconds / Double(events.count))
        validation.append(validate(events) / Double(events.count))
        records = count
    }
    samples.sort()
    validation.sort()
    let median = samples[samples.count / 2]
    var line = "\(name): \(events.count) events, \(records) records, ns/event median \(Int(median.rounded()))"
        + " min \(Int(samples[0].rounded())) max \(Int(samples.last!.rounded()))"
        + " (validation, apart: \(Int(validation[validation.count / 2].rounded())))"
    if options.digest { line += " digest \(String(digest(events), radix: 16))" }
    print(line)
}
