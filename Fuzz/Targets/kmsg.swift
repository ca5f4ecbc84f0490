// Fuzz target: the kernel log (/dev/kmsg records, or a FIFO or saved file in that format).
//
// Input: the stream's bytes, decoded as UTF-8 like KmsgReader does, split with KmsgRecord.split, each
// record (and the unfinished rest, as at the end of a saved file) parsed with KmsgRecord.parse and
// classified with ProbeEvidence. Checks: split loses no byte (records + newlines + rest == input), a
// parsed header is sane, evidence names a device. The records then go to EventPipeline, after a few
// fixed uevents that leave probes pending for devices dev1 to dev4 (so evidence about them is applied to
// a probe), and the records it emits are encoded and checked.
import ProbeWatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKmsg(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let (records, rest) = KmsgRecord.split(Substring(text))
    var rebuilt: [UInt8] = []
    for record in records { rebuilt += record.utf8 + [0x0a] }
    rebuilt += rest.utf8
    require(rebuilt == Array(text.utf8), "split lost or added bytes")
    for record in records { require(!record.contains("\n") || record.split(separator: "\n").dropFirst().allSatisfy { $0.first == " " } , "a record holds a line that is not a continuation") }

    var harness = PipelineHarness()
    for event in pendingProbes { harness.ingest(event) }
    harness.tick(EventTime(realtimeUsec: 1_700_000_000_000_000, monotonicUsec: 1_000_030_000))  // past the reorder window
    require(harness.pipeline.tracker.pending.count == 4, "the harness did not leave 4 probes pending")
    var time = EventTime(realtimeUsec: 1_700_000_000_000_000, monotonicUsec: 1_000_040_000)
    for raw in records + [rest] {
        guard let record = KmsgRecord.parse(raw) else { continue }
        require(record.priority >= 0 && record.monotonicUsec >= 0, "header out of range: \(record)")
        require(!record.text.contains("\n"), "record text has a newline")
        if let evidence = ProbeEvidence(record) {
            require(!evidence.device.isEmpty, "evidence without a device: \(evidence)")
            require(evidence.driver.map { !$0.isEmpty } ?? true, "evidence with an empty driver")
            _ = (evidence.explainsNoBind, evidence.outcome, evidence.errorCode)
        }
        time.monotonicUsec += 5_000
        harness.ingest(kernelLog: record, at: time)
    }
    harness.finish()
    return 0
}

/// A driver registers and four devices whose MODALIAS resolves to it (see PipelineHarness) wait for their
/// probes; the probe timeout (50 ms) passes after about ten records.
private let pendingProbes: [UEvent] = {
    let time = { (usec: Int64) in EventTime(realtimeUsec: 1_700_000_000_000_000, monotonicUsec: 1_000_000_000 + usec) }
    var events = [UEvent(action: .add, devpath: "/bus/pwtest/drivers/pwtest_async", subsystem: "drivers", seqnum: 1,
                         properties: ["ACTION": "add", "SUBSYSTEM": "drivers"], received: time(0))]
    for number in 1...4 {
        events.append(UEvent(action: .add, devpath: "/devices/pwtest/dev\(number)", subsystem: "pwtest",
                             seqnum: UInt64(1 + number),
                             properties: ["ACTION": "add", "MODALIAS": "pwtest_async:v\(number)"], received: time(Int64(number))))
    }
    return events
}()
