import Glibc
import ProbeWatchCore

/// What the human output on stdout shows (`[Output] Console=`): `auto` shows every uevent (like `udevadm
/// monitor`) on a terminal, only probes and findings into a pipe.
public typealias ConsoleMode = Settings.ConsoleMode

extension ConsoleMode {
    public var showsEvents: Bool {
        switch self {
        case .events: true
        case .auto: isatty(STDOUT_FILENO) == 1
        case .findings, .none: false
        }
    }
}

/// Human output in the foreground, shaped like `udevadm monitor`, with findings in red on a terminal.
public final class ConsoleSink: RecordSink {
    private let colors: Bool
    private let showEvents: Bool
    /// Changed for every probe on the event loop's one thread, by this class only: no dynamic check.
    @exclusivity(unchecked) private var pending: [UInt8] = []

    public init(showEvents: Bool = true) {
        colors = isatty(STDOUT_FILENO) == 1
        self.showEvents = showEvents
    }

    /// Lines are gathered as bytes and written at each flush: a storm completes a probe every few uevents,
    /// and print() per line cost more than the rest of the probe's handling. Nothing else in `run` or
    /// `replay` writes to stdout, so the order of lines is kept.
    public func write(_ record: Record) {
        if !showEvents, case .event(_, invalid: nil) = record { return }  // most records of a storm
        if case .probe(let probe) = record {
            Self.appendProbeLine(probe, to: &pending)  // the storm's line: bytes, no String built for it
        } else if let line = Self.describe(record, showEvents: showEvents) {
            pending.append(contentsOf: paint(line, for: record).utf8)
        } else {
            return
        }
        pending.append(0x0a)
        if pending.count >= 64 * 1024 { flush() }
    }

    /// What `describe` says of a probe, appended as bytes: the line is written in place on the stack and
    /// appended once (an Array append per piece cost more than the rest of the line).
    static func appendProbeLine(_ probe: ProbeCompletion, to bytes: inout [UInt8]) {
        let room = probe.devpath.utf8.count + probe.driver.utf8.count + probe.mode.rawValue.utf8.count
            + 32 + TimeSpan.maxDescriptionBytes
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: room) { buffer in
            var line = LineWriter(at: buffer.baseAddress!)
            line.write("PROBE  ")
            line.write(probe.devpath)
            line.write(" bound to ")
            line.write(probe.driver)
            line.write(" (")
            line.write(probe.mode.rawValue)
            line.write(")")
            if let latency = probe.latencyUsec {
                line.write(" after ")
                line.at += TimeSpan.writeDescription(usec: latency, to: line.at)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<(line.at - buffer.baseAddress!)]))
        }
    }

    /// Writes into room sized beforehand.
    private struct LineWriter {
        var at: UnsafeMutablePointer<UInt8>

        mutating func write(_ literal: StaticString) {
            at.update(from: literal.utf8Start, count: literal.utf8CodeUnitCount)
            at += literal.utf8CodeUnitCount
        }

        mutating func write(_ text: String) {
            let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
                if let base = utf8.baseAddress { at.update(from: base, count: utf8.count) }
                at += utf8.count
            }
            guard copied == nil else { return }
            for byte in text.utf8 {
                at.pointee = byte
                at += 1
            }
        }
    }

    public func flush() {
        fflush(nil)
        var written = 0
        while written < pending.count {
            let count = pending.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + written, $0.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }  // stdout is gone (a closed pipe): human output is dropped
            written += count
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func paint(_ line: String, for record: Record) -> String {
        guard colors else { return line }
        switch record {
        case .race(let finding): return (finding.severity == .error ? "\u{1b}[1;31m" : "\u{1b}[31m") + line + "\u{1b}[0m"
        case .lost: return "\u{1b}[33m" + line + "\u{1b}[0m"
        default: return line
        }
    }

    static func describe(_ record: Record, showEvents: Bool) -> String? {
        switch record {
        case .event(let event, let invalid):
            guard showEvents || invalid != nil else { return nil }
            return eventLine(event, invalid: invalid)
        case .probe(let probe):
            let latency = probe.latencyUsec.map { " after \(TimeSpan.describe(usec: $0))" } ?? ""
            return "PROBE  \(probe.devpath) bound to \(probe.driver) (\(probe.mode.rawValue))\(latency)"
        case .race(let finding):
            return "RACE   \(finding.kind.rawValue) [\(finding.severity.rawValue)]: \(finding.message)"
                + " (seqnums \(finding.seqnums.map(String.init).joined(separator: ",")))"
        case .lost(let lost):
            return "LOST   the kernel dropped uevents (\(lost.reason), overflow #\(lost.lostCount)); resynchronized from sysfs"
        case .snapshot(let summary):
            return snapshotScreen(summary)
        case .summary(let summary):
            return "probewatch: \(summary.events) events, \(summary.probes) probes, \(summary.races) races, "
                + "\(summary.lost) overflows, \(summary.malformed) malformed"
        }
    }

    /// The startup screen: what exists, what is bound, and which unbound devices a module would claim.
    static func snapshotScreen(_ summary: SnapshotSummary) -> String {
        var lines = [
            "probewatch: \(summary.reason.rawValue) snapshot of /sys",
            "  devices: \(summary.devices)   bound: \(summary.bound)   registered drivers: \(summary.drivers)",
            "  unbound with a matching module: \(summary.unboundWithModule)",
        ]
        for device in summary.unboundExamples {
            lines.append("    \(device.devpath)  (\(device.modules.joined(separator: ", ")))")
        }
        if summary.unboundWithModule > summary.unboundExamples.count {
            lines.append("    ... and \(summary.unboundWithModule - summary.unboundExamples.count) more")
        }
        return lines.joined(separator: "\n")
    }

    private static func eventLine(_ event: UEvent, invalid: String?) -> String {
        let seconds = Double(event.received.monotonicUsec) / 1e6
        let source = event.source == .udev ? "UDEV  " : "KERNEL"
        let stamp = "\(source)[\(String(format6: seconds))]"
        let action = event.action.rawValue.padding(toLength: 8)
        var line = "\(stamp) \(action) \(event.devpath) (\(event.subsystem ?? "?"))"
        if let driver = event.driver { line += " driver=\(driver)" }
        if let seqnum = event.seqnum { line += " seq=\(seqnum)" }
        if let invalid { line += " INVALID: \(invalid)" }
        return line
    }
}

extension String {
    fileprivate init(format6 value: Double) {
        let micros = Int64((value * 1e6).rounded())
        let fraction = String(micros % 1_000_000)
        self = "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }

    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
