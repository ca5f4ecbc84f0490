// Fuzz target: `udevadm monitor` captures, as `probewatch replay` reads them.
//
// Input: the capture file's bytes. Like ReplayInput, they are decoded as UTF-8 (invalid bytes become
// U+FFFD), split at `\n` bytes (TextLines.split) and fed line by line to UdevadmTextParser, then deduplicated with
// CaptureDeduplicator. Checks: an emitted event agrees with its own ACTION/DEVPATH properties, skipped
// lines never outnumber the lines, and every event goes through EventPipeline with its records encoded
// and read back (see FuzzSupport.swift and RoundTrip.swift).
@testable import ProbeWatch
import ProbeWatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzUdevadmText(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let lines = TextLines.split(text)
    var parser = UdevadmTextParser()
    var dedup = CaptureDeduplicator()
    var events: [UEvent] = []
    let collect: (UEvent) -> Void = { event in
        check(event)
        if dedup.admit(event) { events.append(event) }
    }
    for line in lines { parser.feed(line, emit: collect) }
    parser.finish(emit: collect)
    require(parser.skippedLines >= 0 && parser.skippedLines <= lines.count,
            "\(parser.skippedLines) skipped lines out of \(lines.count)")

    var harness = PipelineHarness()
    harness.lineCheck = RoundTrip.check
    for event in events { harness.ingest(event) }
    harness.finish()
    return 0
}

private func check(_ event: UEvent) {
    require(event.properties["ACTION"] == event.action.rawValue, "event action differs from its ACTION")
    require(event.properties["DEVPATH"] == event.devpath, "event devpath differs from its DEVPATH")
    require(event.source == .kernel || event.source == .udev, "a udevadm event from \(event.source)")
    require(event.escapedKeys.isEmpty, "udevadm text has no escaped keys")
    require(event.received.realtimeUsec == nil, "udevadm text has no wall-clock time")
}
