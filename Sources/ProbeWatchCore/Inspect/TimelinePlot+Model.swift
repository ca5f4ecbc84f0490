/// What the plot shows, in wall-clock microseconds, before any geometry: one group per driver with a lane per
/// device it probed, and the uevents worth a marker.
struct PlotModel {
    enum MarkerKind: String, CaseIterable {
        case driverAdd = "driver-add", driverRemove = "driver-remove"
        case moduleAdd = "module-add", moduleRemove = "module-remove"
        case unbind, remove
    }

    struct Marker {
        var time: Int64
        var kind: MarkerKind
        var tooltip: String
    }

    struct Bar {
        var start: Int64
        var end: Int64
        var isRace: Bool
        /// Text beside the bar: `async bind 32 µs`, `driver-removed-before-bind 40 µs`.
        var label: String
        /// Where the full label does not fit: `32 µs`, `driver-removed-before-bind`.
        var shortLabel: String
        var tooltip: String
        /// When the event that started the window was received, for ordering lanes: windows that one driver
        /// `add` started sort together even when the clocks differ by some µs.
        var startedAt: Int64
    }

    struct Lane {
        var devpath: String
        var bars: [Bar] = []
        var markers: [Marker] = []
        var first: Int64 { (bars.map(\.startedAt) + markers.map(\.time)).min() ?? .max }

        /// By first moment, then DEVPATH with numbers compared as numbers (`i2c.2` before `i2c.10`).
        static func precedes(_ lhs: Lane, _ rhs: Lane) -> Bool {
            if lhs.first != rhs.first { return lhs.first < rhs.first }
            return naturalOrder(lhs.devpath, rhs.devpath)
        }
    }

    struct Group {
        /// `bus/driver (module)`.
        var title: String
        /// The driver's and its module's `add`/`remove`, drawn on the header row.
        var markers: [Marker] = []
        var lanes: [Lane] = []
        var peakConcurrency = 0
        var first: Int64 { (markers.map(\.time) + lanes.map(\.first)).min() ?? .max }
        var raceCount: Int { lanes.reduce(0) { $0 + $1.bars.filter(\.isRace).count } }
    }

    var groups: [Group] = []
    /// The earliest moment shown: offsets on the axis count from here.
    var origin: Int64 = 0

    var times: [Int64] {
        groups.flatMap { group in
            group.markers.map(\.time) + group.lanes.flatMap { lane in
                lane.bars.flatMap { [$0.start, $0.end] } + lane.markers.map(\.time)
            }
        }
    }

    var deviceCount: Int { Set(groups.flatMap { $0.lanes.map(\.devpath) }).count }
    var raceCount: Int { groups.reduce(0) { $0 + $1.raceCount } }
    var windowCount: Int { groups.reduce(0) { $0 + $1.lanes.reduce(0) { $0 + $1.bars.count } } }

    init(_ index: InspectionIndex) {
        let deviceEvents = Dictionary(grouping: index.events.filter { event in
            (event.action == .unbind || event.action == .remove) && event.received.realtimeUsec != nil
                && event.object == .device
        }, by: \.devpath)
        var groups = index.drivers.compactMap { Self.group(of: $0, index: index, deviceEvents: deviceEvents) }
        groups += Self.unattributedGroups(index, deviceEvents: deviceEvents)
        self.groups = groups.sorted { ($0.first, $0.title) < ($1.first, $1.title) }
        origin = times.min() ?? 0
    }

    private static func group(of key: DriverKey, index: InspectionIndex,
                              deviceEvents: [String: [UEvent]]) -> Group? {
        let view = DriverView(key, index: index)
        guard let origin = driverOrigin(key, view: view, index: index) else { return nil }
        var group = Group(title: "\(key.bus)/\(key.name)" + (view.module.map { " (\($0))" } ?? ""))
        group.peakConcurrency = view.peakConcurrency
        group.markers = view.registrations.compactMap(registrationMarker)
        var lanes: [String: Lane] = [:]
        for window in view.windows {
            let start = origin + window.startOffsetUsec
            let end = origin + window.endOffsetUsec
            let bar = Bar(start: start, end: end, isRace: window.isRace,
                          label: barLabel(window.outcome, usec: end - start),
                          shortLabel: shortLabel(window.outcome, isRace: window.isRace, usec: end - start),
                          tooltip: windowTooltip(window, driver: key, usec: end - start, index: index),
                          startedAt: startedAt(window.seqnums, start: start, isWindow: end > start, index: index))
            lanes[window.devpath, default: Lane(devpath: window.devpath)].bars.append(bar)
        }
        for devpath in lanes.keys {
            lanes[devpath]?.markers = (deviceEvents[devpath] ?? []).map(deviceMarker)
        }
        group.lanes = lanes.values.sorted(by: Lane.precedes)
        return group.lanes.isEmpty && group.markers.isEmpty ? nil : group
    }

    /// Findings that name no driver (an `unbind` of a device never bound): one group per bus.
    private static func unattributedGroups(_ index: InspectionIndex, deviceEvents: [String: [UEvent]]) -> [Group] {
        let findings = index.findings.filter { $0.driver.isEmpty && $0.realtimeUsec != nil }
        return Dictionary(grouping: findings, by: \.bus).map { bus, findings in
            var lanes: [String: Lane] = [:]
            for finding in findings {
                let end = finding.realtimeUsec ?? 0
                // As in DriverView: only a pending probe makes a window, the other kinds are a moment.
                let start = finding.kind.endsAPendingProbe ? end - finding.windowUsec : end
                let bar = Bar(start: start, end: end, isRace: true, label: barLabel(finding.kind.rawValue, usec: end - start),
                              shortLabel: finding.kind.rawValue, tooltip: findingTooltip(finding),
                              startedAt: startedAt(finding.seqnums, start: start, isWindow: end > start, index: index))
                lanes[finding.devpath, default: Lane(devpath: finding.devpath)].bars.append(bar)
            }
            for devpath in lanes.keys {
                lanes[devpath]?.markers = (deviceEvents[devpath] ?? []).map(deviceMarker)
            }
            return Group(title: "\(bus)/- (no driver)",
                         lanes: lanes.values.sorted(by: Lane.precedes))
        }
    }

    /// The wall-clock moment a driver view's offsets count from. A registration row says it directly (its time
    /// minus its offset); otherwise a window does: it ends at the time of the probe or finding it comes from.
    static func driverOrigin(_ key: DriverKey, view: DriverView, index: InspectionIndex) -> Int64? {
        if let row = view.registrations.first(where: { $0.realtimeUsec != nil }), let time = row.realtimeUsec {
            return time - row.offsetUsec
        }
        guard let window = view.windows.first else { return nil }
        let end = window.isRace
            ? index.findings.first {
                $0.driver == key.name && $0.bus == key.bus && $0.devpath == window.devpath
                    && $0.kind.rawValue == window.outcome && $0.seqnums == window.seqnums
            }?.realtimeUsec
            : index.probes.first {
                $0.driver == key.name && $0.bus == key.bus && $0.devpath == window.devpath
                    && $0.seqnums == window.seqnums
            }?.realtimeUsec
        return end.map { $0 - window.endOffsetUsec }
    }

    private static func registrationMarker(_ row: TimelineRow) -> Marker? {
        guard let time = row.realtimeUsec else { return nil }
        let words = row.what.split(separator: " ")
        let kind: MarkerKind
        switch (words.first, words.last) {
        case ("driver", "add"): kind = .driverAdd
        case ("driver", "remove"): kind = .driverRemove
        case ("module", "add"): kind = .moduleAdd
        case ("module", "remove"): kind = .moduleRemove
        default: return nil
        }
        return Marker(time: time, kind: kind, tooltip: row.what + (row.seqnum.map { " (SEQNUM \($0))" } ?? ""))
    }

    private static func deviceMarker(_ event: UEvent) -> Marker {
        Marker(time: event.received.realtimeUsec ?? 0, kind: event.action == .unbind ? .unbind : .remove,
               tooltip: "\(event.devpath) \(event.action.rawValue)" + (event.seqnum.map { " (SEQNUM \($0))" } ?? ""))
    }

    private static func shortLabel(_ outcome: String, isRace: Bool, usec: Int64) -> String {
        isRace || usec == 0 ? outcome : TimeSpan.describe(usec: usec)
    }

    private static func startedAt(_ seqnums: [UInt64], start: Int64, isWindow: Bool, index: InspectionIndex) -> Int64 {
        guard isWindow, let first = seqnums.first else { return start }
        return index.eventsBySeqnum[first]?.received.realtimeUsec ?? start
    }

    private static func barLabel(_ outcome: String, usec: Int64) -> String {
        usec > 0 ? "\(outcome) \(TimeSpan.describe(usec: usec))" : outcome
    }

    private static func windowTooltip(_ window: DriverView.ProbeWindow, driver: DriverKey, usec: Int64,
                                      index: InspectionIndex) -> String {
        if window.isRace, let finding = index.findings.first(where: {
            $0.devpath == window.devpath && $0.kind.rawValue == window.outcome && $0.seqnums == window.seqnums
                && $0.driver == driver.name && $0.bus == driver.bus
        }) {
            return findingTooltip(finding)
        }
        let seqnums = window.seqnums.isEmpty ? "" : "\nSEQNUM " + window.seqnums.map(String.init).joined(separator: ", ")
        let pending = usec > 0 ? ", pending for \(TimeSpan.describe(usec: usec))" : ""
        return "\(window.devpath)\n\(window.outcome) by \(driver)\(pending)\(seqnums)"
    }

    private static func findingTooltip(_ finding: Finding) -> String {
        let seqnums = finding.seqnums.isEmpty ? "" : "\nSEQNUM " + finding.seqnums.map(String.init).joined(separator: ", ")
        return "RACE \(finding.kind.rawValue) (\(finding.severity.rawValue))\n\(finding.devpath)\n\(finding.message)"
            + "\nwindow \(TimeSpan.describe(usec: finding.windowUsec))\(seqnums)"
    }
}

/// `a` before `b` when digit runs compare as numbers and everything else as text.
func naturalOrder(_ a: String, _ b: String) -> Bool {
    var left = a.unicodeScalars[...]
    var right = b.unicodeScalars[...]
    func isDigit(_ scalar: Unicode.Scalar) -> Bool { scalar >= "0" && scalar <= "9" }
    while let l = left.first, let r = right.first {
        if isDigit(l), isDigit(r) {
            let leftRun = left.prefix(while: isDigit)
            let rightRun = right.prefix(while: isDigit)
            let leftNumber = String(String.UnicodeScalarView(leftRun.drop { $0 == "0" }))
            let rightNumber = String(String.UnicodeScalarView(rightRun.drop { $0 == "0" }))
            if leftNumber.count != rightNumber.count { return leftNumber.count < rightNumber.count }
            if leftNumber != rightNumber { return leftNumber < rightNumber }
            left = left.dropFirst(leftRun.count)
            right = right.dropFirst(rightRun.count)
        } else {
            if l != r { return l.value < r.value }
            left = left.dropFirst()
            right = right.dropFirst()
        }
    }
    return left.isEmpty && !right.isEmpty ? true : left.isEmpty == right.isEmpty ? a < b : false
}
