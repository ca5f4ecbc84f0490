// For the targets built against the ProbeWatch adapters: every line RecordEncoder writes must read back,
// through RecordLineParser (the inspection commands' reader, which reads events with the replay's
// JSONLinesEventParser), as the record that was written.
import FoundationEssentials
@testable import ProbeWatch
import ProbeWatchCore

enum RoundTrip {
    nonisolated(unsafe) static let parser = RecordLineParser()  // libFuzzer runs one input at a time

    static func check(_ record: Record, _ line: [UInt8]) {
        let text = String(decoding: line.dropLast(), as: UTF8.self)
        guard case .record(let read) = parser.parse(Substring(text)) else {
            return require(false, "encoded \(record.type) line does not read back: \(parser.parse(Substring(text))) \(text)")
        }
        let expected = normalized(record, truncated: isTruncated(text))
        let actual = normalized(read, truncated: isTruncated(text))
        require(expected == actual, "round trip changed the record:\n  wrote \(expected)\n  read  \(actual)\n  line  \(text)")
    }

    /// A truncated record (`"truncated": true`) keeps what it is, not all of its text: an event its action,
    /// seqnum and times, a probe or race everything but its names, paths and messages.
    private static func isTruncated(_ text: String) -> Bool {
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else {
            return false
        }
        return object["truncated"] == .bool(true)
    }

    /// What the encoder cannot carry: a missing time becomes "now"; escaped keys are written sorted; a
    /// snapshot's examples are not written; a time the RFC 3339 form cannot hold (beyond year 9999) is
    /// compared as unknown; a truncated record's cut text.
    private static func normalized(_ record: Record, truncated: Bool) -> Record {
        func time(_ usec: Int64?) -> Int64? {
            let value = usec ?? PipelineHarness.nowRealtimeUsec
            return RFC3339.parse(RFC3339.format(realtimeUsec: value)) == value ? value : nil
        }
        switch record {
        case .event(var event, let invalid):
            event.received.realtimeUsec = time(event.received.realtimeUsec)
            event.escapedKeys.sort()
            if truncated {
                event.devpath = ""
                event.subsystem = nil
                event.driver = nil
                event.properties = [:]
                event.escapedKeys = []
            }
            return .event(event, invalid: invalid)
        case .probe(var probe):
            probe.realtimeUsec = time(probe.realtimeUsec)
            if truncated { (probe.devpath, probe.driver, probe.bus, probe.module) = ("", "", "", nil) }
            return .probe(probe)
        case .race(var finding):
            finding.realtimeUsec = time(finding.realtimeUsec)
            if truncated {
                (finding.devpath, finding.driver, finding.bus, finding.module) = ("", "", "", nil)
                (finding.message, finding.explanation) = ("", nil)
            }
            return .race(finding)
        case .lost(var lost):
            lost.realtimeUsec = time(lost.realtimeUsec)
            return .lost(lost)
        case .snapshot(var snapshot):
            snapshot.realtimeUsec = time(snapshot.realtimeUsec)
            snapshot.unboundExamples = []
            return .snapshot(snapshot)
        case .summary(var summary):
            summary.realtimeUsec = time(summary.realtimeUsec)
            return .summary(summary)
        }
    }
}
