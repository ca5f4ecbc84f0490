/// The time axis: linear within stretches of activity, with long idle stretches between them cut out (a hatched
/// band says how long), so microsecond probe windows stay visible in a log that spans minutes.
struct TimeAxis {
    /// A stretch of activity drawn at its own linear scale.
    struct Segment {
        var start: Int64
        var end: Int64
        var x: Double
        var width: Double
    }

    /// An idle stretch left out between two segments.
    struct Break {
        var x: Double
        var width: Double
        var usec: Int64
    }

    struct Tick {
        var x: Double
        var label: String
        /// The first tick of a stretch, labelled with its offset from the origin.
        var isStart: Bool
    }

    static let breakWidth = 34.0
    /// Room kept free at both ends of a segment, so a marker at its edge does not touch a break.
    static let segmentPadding = 8.0
    static let minimumSegmentWidth = 110.0
    /// Monospaced tick labels: 10 px DejaVu Sans Mono is 6.02 px a character.
    static let tickCharWidth = 6.02

    let origin: Int64
    private(set) var segments: [Segment] = []
    private(set) var breaks: [Break] = []

    /// `intervals`: every bar and marker (a marker is an interval of length 0); `x`/`width`: the plot area.
    init(intervals: [(start: Int64, end: Int64)], x: Double, width: Double) {
        let sorted = intervals.sorted { $0.start < $1.start }
        origin = sorted.first?.start ?? 0
        var stretches = Self.stretches(sorted)
        if stretches.isEmpty { stretches = [(origin, origin)] }
        let cuts = Self.cuts(stretches, maximum: max(0, Int(width / (Self.minimumSegmentWidth + Self.breakWidth)) - 1))
        var spans: [(start: Int64, end: Int64)] = []
        var start = stretches[0].start
        for (index, stretch) in stretches.enumerated() where cuts.contains(index) {
            spans.append((start, stretch.end))
            start = stretches[index + 1].start
        }
        spans.append((start, stretches[stretches.count - 1].end))
        layout(spans, x: x, width: width)
    }

    /// Overlapping or touching intervals merged, in time order.
    private static func stretches(_ sorted: [(start: Int64, end: Int64)]) -> [(start: Int64, end: Int64)] {
        var merged: [(start: Int64, end: Int64)] = []
        for interval in sorted {
            if let last = merged.last, interval.start <= last.end {
                merged[merged.count - 1].end = max(last.end, interval.end)
            } else {
                merged.append(interval)
            }
        }
        return merged
    }

    /// Which gaps (after stretch `i`) to cut: the largest first, while a gap is at least a tenth of the time
    /// still shown and 1 ms long, and at most `maximum` of them.
    private static func cuts(_ stretches: [(start: Int64, end: Int64)], maximum: Int) -> Set<Int> {
        guard stretches.count > 1 else { return [] }
        let gaps = (0..<(stretches.count - 1)).map { (index: $0, usec: stretches[$0 + 1].start - stretches[$0].end) }
            .sorted { ($0.usec, $1.index) > ($1.usec, $0.index) }
        var shown = stretches[stretches.count - 1].end - stretches[0].start
        var cuts: Set<Int> = []
        for gap in gaps where cuts.count < maximum {
            guard gap.usec >= 1_000, gap.usec * 10 >= shown else { break }
            cuts.insert(gap.index)
            shown -= gap.usec
        }
        return cuts
    }

    /// Every segment gets a minimum width, the rest is shared in proportion to duration.
    private mutating func layout(_ spans: [(start: Int64, end: Int64)], x: Double, width: Double) {
        let available = width - Double(spans.count - 1) * Self.breakWidth
        let minimum = min(Self.minimumSegmentWidth, available / Double(spans.count))
        let total = spans.reduce(0.0) { $0 + Double($1.end - $1.start) }
        let spare = available - minimum * Double(spans.count)
        var position = x
        for (index, span) in spans.enumerated() {
            let share = total > 0 ? Double(span.end - span.start) / total : 1 / Double(spans.count)
            let segmentWidth = minimum + spare * share
            segments.append(Segment(start: span.start, end: span.end, x: position, width: segmentWidth))
            position += segmentWidth
            if index + 1 < spans.count {
                breaks.append(Break(x: position, width: Self.breakWidth, usec: spans[index + 1].start - span.end))
                position += Self.breakWidth
            }
        }
    }

    /// Where a moment is drawn; a moment in a cut-out gap (none is, by construction) goes to the break.
    func x(_ time: Int64) -> Double {
        guard var segment = segments.first else { return 0 }
        for candidate in segments where candidate.start <= time { segment = candidate }
        let inner = segment.width - 2 * Self.segmentPadding
        guard segment.end > segment.start else { return segment.x + segment.width / 2 }
        let fraction = Double(min(max(time, segment.start), segment.end) - segment.start) / Double(segment.end - segment.start)
        return segment.x + Self.segmentPadding + fraction * inner
    }

    /// Each stretch starts with a tick saying where it is (`0`, `95.000 s`); round ticks inside it count from
    /// there (`+5 ms`; in the first stretch, from 0, no `+`). Labels that would overlap are left out, a
    /// stretch's start label last.
    var ticks: [Tick] {
        let all = segments.enumerated().flatMap { ticks(in: $1, first: $0 == 0) }
        var kept: [Tick] = []
        for tick in all.filter(\.isStart) + all.filter({ !$0.isStart }) {
            let half = Self.labelWidth(tick.label) / 2 + 5
            if !kept.contains(where: { abs($0.x - tick.x) < half + Self.labelWidth($0.label) / 2 }) {
                kept.append(tick)
            }
        }
        return kept.sorted { $0.x < $1.x }
    }

    static func labelWidth(_ label: String) -> Double {
        Double(label.count) * tickCharWidth
    }

    private func ticks(in segment: Segment, first isFirst: Bool) -> [Tick] {
        let start = Tick(x: x(segment.start), label: Self.startLabel(usec: segment.start - origin), isStart: true)
        let duration = segment.end - segment.start
        let inner = segment.width - 2 * Self.segmentPadding
        let prefix = isFirst ? "" : "+"
        guard duration > 0,
              let step = Self.steps.first(where: { step in
                  Double(step) / Double(duration) * inner >= Self.labelWidth(prefix + Self.label(usec: duration, step: step)) + 14
              })
        else { return [start] }
        var ticks = [start]
        var offset = step
        while offset <= duration {
            ticks.append(Tick(x: x(segment.start + offset), label: prefix + Self.label(usec: offset, step: step),
                              isStart: false))
            offset += step
        }
        return ticks
    }

    /// Where a stretch begins, as precise as an eye needs: to the µs under 1 ms, 10 µs under 1 s, 1 ms above.
    static func startLabel(usec: Int64) -> String {
        let precision: Int64 = usec < 1_000 ? 1 : usec < 1_000_000 ? 10 : 1_000
        return label(usec: usec / precision * precision, step: precision)
    }

    /// 1, 2, 5 × 10ⁿ µs, up to about 3 years.
    static let steps: [Int64] = (0...14).flatMap { power -> [Int64] in
        var base: Int64 = 1
        for _ in 0..<power { base *= 10 }
        return [base, 2 * base, 5 * base]
    }

    /// `0`, `250 µs`, `1.2 ms`, `2.35124 s`: the unit from the value, as many decimals as the step needs.
    static func label(usec: Int64, step: Int64) -> String {
        if usec == 0 { return "0" }
        let (unit, name): (Int64, String) = usec < 1_000 ? (1, "µs") : usec < 1_000_000 ? (1_000, "ms") : (1_000_000, "s")
        var decimals = 0
        var scale = unit
        while scale > 1, step % scale != 0 {
            decimals += 1
            scale /= 10
        }
        let whole = usec / unit
        guard decimals > 0 else { return "\(whole) \(name)" }
        let fraction = String(usec % unit)
        let padded = String(repeating: "0", count: String(unit).count - 1 - fraction.count) + fraction
        return "\(whole).\(padded.prefix(decimals)) \(name)"
    }

    /// A gap's length in two significant digits, short enough for a break band: `85 ms`, `1.2 s`, `14 min`.
    static func compact(usec: Int64) -> String {
        let units: [(Int64, String)] = [(3_600_000_000, "h"), (60_000_000, "min"), (1_000_000, "s"), (1_000, "ms"), (1, "µs")]
        let (unit, name) = units.first { usec >= $0.0 } ?? (1, "µs")
        let value = Double(usec) / Double(unit)
        if value >= 10 || unit == 1 { return "\(Int64(value.rounded())) \(name)" }
        let tenths = Int64((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10) \(name)" : "\(tenths / 10).\(tenths % 10) \(name)"
    }
}
