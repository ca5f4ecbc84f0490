/// One driver's history from a log: its registrations, each device's probe window, how many probes were
/// pending at once, its unregistration.
public struct DriverView: Sendable, Equatable, Encodable {
    /// From the moment a probe became pending to its bind, or to the finding that ended it.
    public struct ProbeWindow: Sendable, Equatable, Encodable {
        public var devpath: String
        public var startOffsetUsec: Int64
        public var endOffsetUsec: Int64
        /// `async bind`, `device-add bind`, or the finding's kind.
        public var outcome: String
        public var isRace: Bool
        public var seqnums: [UInt64]

        enum CodingKeys: String, CodingKey {
            case devpath, outcome, seqnums
            case startOffsetUsec = "start_offset_usec"
            case endOffsetUsec = "end_offset_usec"
            case isRace = "race"
        }
    }

    public var driver: String
    public var bus: String
    public var module: String?
    /// The driver's and its module's own uevents.
    public var registrations: [TimelineRow]
    public var windows: [ProbeWindow]
    public var peakConcurrency: Int

    enum CodingKeys: String, CodingKey {
        case driver, bus, module, registrations, windows
        case peakConcurrency = "peak_concurrency"
    }

    public init(_ key: DriverKey, index: InspectionIndex) {
        driver = key.name
        bus = key.bus
        module = index.module(of: key)
        let events = Self.registrationEvents(of: key, module: module, index: index)
        let spans = Self.spans(of: key, index: index)
        let origin = (events.compactMap(\.received.realtimeUsec) + spans.map(\.start)).min() ?? 0
        registrations = events.map { event in
            let time = event.received.realtimeUsec
            return TimelineRow(realtimeUsec: time, offsetUsec: (time ?? origin) - origin, seqnum: event.seqnum,
                               what: RowBuilder.describe(event))
        }
        windows = spans.map {
            ProbeWindow(devpath: $0.devpath, startOffsetUsec: $0.start - origin, endOffsetUsec: $0.end - origin,
                        outcome: $0.outcome, isRace: $0.isRace, seqnums: $0.seqnums)
        }.sorted { ($0.startOffsetUsec, $0.devpath) < ($1.startOffsetUsec, $1.devpath) }
        peakConcurrency = Self.peak(windows)
    }

    /// The driver's own `add`/`remove`, and its module's.
    private static func registrationEvents(of key: DriverKey, module: String?, index: InspectionIndex) -> [UEvent] {
        index.events.filter { event in
            switch event.object {
            case .driver(let other): other == key
            case .module(let name): module.map { normalizedModuleName($0) == normalizedModuleName(name) } ?? false
            case .device: false
            }
        }
    }

    private struct Span {
        var devpath: String
        var start: Int64
        var end: Int64
        var outcome: String
        var isRace: Bool
        var seqnums: [UInt64]
    }

    private static func spans(of key: DriverKey, index: InspectionIndex) -> [Span] {
        let probes = index.probes.filter { $0.driver == key.name && $0.bus == key.bus }.compactMap { probe -> Span? in
            guard let end = probe.realtimeUsec else { return nil }
            let outcome = probe.mode == .unknown ? "bind, no pending probe" : "\(probe.mode.rawValue) bind"
            return Span(devpath: probe.devpath, start: end - (probe.latencyUsec ?? 0), end: end, outcome: outcome,
                        isRace: false, seqnums: probe.seqnums)
        }
        let races = index.findings.filter { $0.driver == key.name && $0.bus == key.bus }.compactMap { finding -> Span? in
            guard let end = finding.realtimeUsec else { return nil }
            // Only a pending probe makes a window; the other kinds are a moment (the bind or unbind).
            let start = finding.kind.endsAPendingProbe ? end - finding.windowUsec : end
            return Span(devpath: finding.devpath, start: start, end: end, outcome: finding.kind.rawValue,
                        isRace: true, seqnums: finding.seqnums)
        }
        return probes + races
    }

    /// The most probes pending at one moment: a sweep over starts and ends, ends first at equal times.
    /// Moments (a start equal to its end) are no pending probe.
    static func peak(_ windows: [ProbeWindow]) -> Int {
        let pending = windows.filter { $0.endOffsetUsec > $0.startOffsetUsec }
        let starts: [(time: Int64, change: Int)] = pending.map { ($0.startOffsetUsec, 1) }
        let ends: [(time: Int64, change: Int)] = pending.map { ($0.endOffsetUsec, -1) }
        let edges = (starts + ends).sorted { ($0.time, $0.change) < ($1.time, $1.change) }
        var open = 0
        var peak = 0
        for (_, change) in edges {
            open += change
            peak = max(peak, open)
        }
        return peak
    }
}
