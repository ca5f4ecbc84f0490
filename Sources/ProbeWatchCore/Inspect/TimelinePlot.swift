/// A picture of a log, as `systemd-analyze plot` draws a boot: one lane per device, grouped under the driver
/// that probed it, a bar from the moment a probe became pending to its bind, red where probewatch reported a
/// race, and markers for the driver's registrations and the device's `unbind`/`remove`.
public enum TimelinePlot {
    /// A standalone SVG document, 1200 px wide, as tall as its lanes need.
    public static func svg(_ index: InspectionIndex) -> String {
        var renderer = PlotRenderer(model: PlotModel(index))
        return renderer.render()
    }

    /// A small standalone page with the same SVG inline, a heading and a short explanation.
    public static func html(_ index: InspectionIndex, title: String) -> String {
        let model = PlotModel(index)
        var renderer = PlotRenderer(model: model)
        let svg = renderer.render()
        let title = SVGText.escape(title)
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>\(title)</title>
            <style>
            body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #222; }
            h1 { font-size: 20px; margin: 0 0 8px; }
            p { max-width: 1200px; line-height: 1.45; }
            figure { margin: 16px 0; overflow-x: auto; }
            code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; }
            li { margin: 4px 0; }
            .race { color: #c62828; font-weight: bold; }
            </style>
            </head>
            <body>
            <h1>\(title)</h1>
            <p>One lane per device, grouped under the driver that probed it (<code>bus/driver (module)</code>). A blue
            bar runs from the moment a probe became pending to the device's <code>bind</code>; a red bar is a race
            probewatch reported, labelled with its kind. Triangles on a driver's row are its own and its module's
            <code>add</code> (up) and <code>remove</code> (down); diamonds and crosses in a lane are the device's
            <code>unbind</code> and <code>remove</code>. Times count from the first moment shown; long idle
            stretches are cut out of the axis (hatched bands say how long). Hover over a bar for its SEQNUMs and the
            finding's message.</p>
            <figure>
            \(svg)
            </figure>

            """
        let findings = index.findings
        if !findings.isEmpty {
            page += "<h2>Races</h2>\n<ul>\n"
            for finding in findings {
                page += "<li><span class=\"race\">\(SVGText.escape(finding.kind.rawValue))</span> "
                    + "<code>\(SVGText.escape(finding.devpath))</code>: \(SVGText.escape(finding.message))</li>\n"
            }
            page += "</ul>\n"
        }
        return page + "</body>\n</html>\n"
    }
}

/// Lays the model out and writes the SVG.
struct PlotRenderer {
    static let width = 1200.0
    static let plotX = 350.0
    static let plotRight = width - 24
    static let laneHeight = 20.0
    static let headerHeight = 26.0
    static let groupGap = 8.0
    static let top = 118.0
    /// 11 px and 10 px DejaVu Sans Mono: 0.602 em a character.
    static let charWidth11 = 6.62
    static let charWidth10 = 6.02
    static let charWidth12 = 7.22

    static let blue = "#3a6fc4"
    static let red = "#d32f2f"
    static let darkRed = "#b71c1c"
    static let green = "#2e8b3e"
    static let grey = "#555555"
    static let orange = "#e08600"

    let model: PlotModel
    let axis: TimeAxis
    private var out = ""

    init(model: PlotModel) {
        self.model = model
        var intervals: [(start: Int64, end: Int64)] = []
        for group in model.groups {
            intervals += group.markers.map { ($0.time, $0.time) }
            for lane in group.lanes {
                intervals += lane.bars.map { ($0.start, $0.end) } + lane.markers.map { ($0.time, $0.time) }
            }
        }
        axis = TimeAxis(intervals: intervals, x: Self.plotX, width: Self.plotRight - Self.plotX)
    }

    private var contentHeight: Double {
        model.groups.reduce(0) { $0 + Self.headerHeight + Double($1.lanes.count) * Self.laneHeight + Self.groupGap }
    }

    mutating func render() -> String {
        let bottom = Self.top + max(contentHeight, 40)
        let height = bottom + 34
        out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(Self.width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" "
            + "font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"11\">\n"
        out += "<title>probewatch timeline</title>\n"
        out += "<defs><pattern id=\"idle\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
            + "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/>"
            + "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#d8d8d8\" stroke-width=\"2\"/></pattern></defs>\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        heading()
        legend()
        if model.groups.isEmpty {
            text(Self.plotX, Self.top + 24, "No probe windows, findings or driver registrations in these records.",
                 fill: Self.grey, size: 12)
        } else {
            backgrounds()
            grid(from: Self.top - 6, to: bottom)
            axisLabels(lineY: Self.top - 6, labelY: Self.top - 12, breakLabels: true)
            var y = Self.top
            for group in model.groups {
                render(group, y: y)
                y += Self.headerHeight + Double(group.lanes.count) * Self.laneHeight + Self.groupGap
            }
            axisLabels(lineY: bottom, labelY: bottom + 14, breakLabels: false)
        }
        out += "</svg>\n"
        return out
    }

    // MARK: Heading, legend, axis

    private mutating func heading() {
        out += "<text x=\"12\" y=\"26\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"17\" "
            + "font-weight=\"bold\" fill=\"#222222\">probewatch timeline</text>\n"
        let devices = model.deviceCount
        let drivers = model.groups.count
        let races = model.raceCount
        var summary = "\(drivers) driver\(drivers == 1 ? "" : "s"), \(devices) device\(devices == 1 ? "" : "s"), "
            + "\(model.windowCount) probe window\(model.windowCount == 1 ? "" : "s"), "
        summary += races == 0 ? "no races" : "\(races) race\(races == 1 ? "" : "s")"
        if !model.groups.isEmpty {
            summary += "; 0 = " + RFC3339.format(realtimeUsec: model.origin)
        }
        text(12, 46, summary, fill: Self.grey)
        if races > 0 {
            text(Self.width - 12, 26, "\(races) race\(races == 1 ? "" : "s")", fill: Self.red, size: 14, anchor: "end",
                 bold: true, className: "race-count")
        }
    }

    private mutating func legend() {
        let y = 70.0
        var x = 12.0
        out += "<g class=\"legend\">\n"
        rect(x, y - 6, 22, 10, fill: Self.blue)
        x += 28
        x = legendText(x, y, "probe: pending → bind")
        rect(x, y - 6, 22, 10, fill: Self.red)
        x += 28
        x = legendText(x, y, "race (kind in red)")
        marker(.driverAdd, x: x + 5, y: y - 1)
        marker(.driverRemove, x: x + 17, y: y - 1)
        x = legendText(x + 28, y, "driver add/remove")
        marker(.moduleAdd, x: x + 5, y: y - 1)
        marker(.moduleRemove, x: x + 17, y: y - 1)
        x = legendText(x + 28, y, "module add/remove")
        marker(.unbind, x: x + 5, y: y - 1)
        x = legendText(x + 16, y, "device unbind")
        marker(.remove, x: x + 5, y: y - 1)
        x = legendText(x + 16, y, "device remove")
        out += "<rect x=\"\(SVGText.number(x))\" y=\"\(SVGText.number(y - 8))\" width=\"14\" height=\"14\" "
            + "fill=\"url(#idle)\" stroke=\"#cccccc\"/>\n"
        _ = legendText(x + 20, y, "idle time cut out")
        out += "</g>\n"
    }

    private mutating func legendText(_ x: Double, _ y: Double, _ label: String) -> Double {
        text(x, y + 3, label, fill: "#333333")
        return x + Double(label.count) * Self.charWidth11 + 20
    }

    /// Group header rows and every other lane shaded, under the grid and the idle bands.
    private mutating func backgrounds() {
        out += "<g class=\"rows\">\n"
        var y = Self.top
        for group in model.groups {
            rect(0, y, Self.width, Self.headerHeight, fill: "#e9eef6")
            for index in group.lanes.indices where index % 2 == 1 {
                rect(0, y + Self.headerHeight + Double(index) * Self.laneHeight, Self.width, Self.laneHeight, fill: "#f6f6f6")
            }
            y += Self.headerHeight + Double(group.lanes.count) * Self.laneHeight + Self.groupGap
        }
        out += "</g>\n"
    }

    /// Grid lines at the ticks and the hatched bands of cut-out idle time, behind everything else.
    private mutating func grid(from top: Double, to bottom: Double) {
        out += "<g class=\"grid\">\n"
        for band in axis.breaks {
            out += "<rect class=\"idle\" x=\"\(SVGText.number(band.x + 3))\" y=\"\(SVGText.number(top))\" "
                + "width=\"\(SVGText.number(band.width - 6))\" height=\"\(SVGText.number(bottom - top))\" "
                + "fill=\"url(#idle)\"><title>\(SVGText.escape(TimeSpan.describe(usec: band.usec))) "
                + "without activity, cut out</title></rect>\n"
        }
        for tick in axis.ticks {
            line(tick.x, top, tick.x, bottom, stroke: "#e6e6e6")
        }
        out += "</g>\n"
    }

    private mutating func axisLabels(lineY: Double, labelY: Double, breakLabels: Bool) {
        out += "<g class=\"axis\">\n"
        for segment in axis.segments {
            line(segment.x, lineY, segment.x + segment.width, lineY, stroke: "#888888")
        }
        for tick in axis.ticks {
            line(tick.x, lineY - 3, tick.x, lineY + 3, stroke: "#888888")
            text(tick.x, labelY + (labelY > lineY ? 2 : 0), tick.label, fill: "#444444", size: 10, anchor: "middle",
                 className: "tick")
        }
        if breakLabels {
            for band in axis.breaks {
                text(band.x + band.width / 2, labelY - 15, TimeAxis.compact(usec: band.usec) + " idle", fill: "#777777",
                     size: 9, anchor: "middle", className: "skip")
            }
        }
        out += "</g>\n"
    }

    // MARK: Groups and lanes

    private mutating func render(_ group: PlotModel.Group, y: Double) {
        let height = Self.headerHeight + Double(group.lanes.count) * Self.laneHeight
        out += "<g class=\"group\">\n"
        let title = SVGText.keepStart(group.title, Int((Self.plotX - 24) / Self.charWidth12))
        out += "<text x=\"12\" y=\"\(SVGText.number(y + 17))\" font-size=\"12\" font-weight=\"bold\" fill=\"#1d3557\" "
            + "class=\"driver\">\(SVGText.escape(title))<title>\(SVGText.escape(group.title))</title></text>\n"
        var stats = "\(group.lanes.count) device\(group.lanes.count == 1 ? "" : "s")"
        if group.peakConcurrency > 1 { stats += ", peak \(group.peakConcurrency)" }
        if Double(title.count) * Self.charWidth12 + Double(stats.count) * Self.charWidth10 + 36 < Self.plotX - 12 {
            text(Self.plotX - 14, y + 17, stats, fill: "#5c6f87", size: 10, anchor: "end")
        }
        for marker in group.markers where marker.kind == .driverAdd || marker.kind == .driverRemove {
            let x = axis.x(marker.time)
            out += "<line x1=\"\(SVGText.number(x))\" y1=\"\(SVGText.number(y + Self.headerHeight))\" "
                + "x2=\"\(SVGText.number(x))\" y2=\"\(SVGText.number(y + height))\" stroke=\""
                + (marker.kind == .driverAdd ? Self.green : "#444444")
                + "\" stroke-width=\"1\" stroke-dasharray=\"3,3\" opacity=\"0.55\"/>\n"
        }
        // Driver above, module below: a module's add comes right after its drivers'.
        for marker in group.markers {
            let isModule = marker.kind == .moduleAdd || marker.kind == .moduleRemove
            self.marker(marker.kind, x: axis.x(marker.time), y: y + (isModule ? 18.5 : 8), tooltip: marker.tooltip)
        }
        for (index, lane) in group.lanes.enumerated() {
            render(lane, y: y + Self.headerHeight + Double(index) * Self.laneHeight)
        }
        out += "</g>\n"
    }

    private mutating func render(_ lane: PlotModel.Lane, y: Double) {
        out += "<g class=\"lane\">\n"
        let label = TextColumns.keepEnd(lane.devpath, Int((Self.plotX - 36) / Self.charWidth11))
        out += "<text x=\"24\" y=\"\(SVGText.number(y + 14))\" fill=\"#222222\" class=\"devpath\">"
            + "\(SVGText.escape(label))<title>\(SVGText.escape(lane.devpath))</title></text>\n"
        let middle = y + Self.laneHeight / 2
        var occupied: [(Double, Double)] = []
        var spans: [(bar: PlotModel.Bar, x0: Double, x1: Double)] = []
        for bar in lane.bars {
            // A moment (a sync bind, a double bind) still gets a few pixels; a race a tall tick.
            let moment = axis.x(bar.end) - axis.x(bar.start) < 3
            let x0 = axis.x(bar.start) - (moment && bar.isRace ? 1.5 : 0)
            let x1 = moment ? x0 + (bar.isRace ? 4 : 3) : axis.x(bar.end)
            spans.append((bar, x0, x1))
            occupied.append((x0, x1))
        }
        let markerXs = Self.spread(lane.markers.map { axis.x($0.time) })
        occupied += markerXs.map { ($0 - 5, $0 + 5) }
        // Probes, then race windows, then the device's markers, then race moments on top of everything.
        let isMoment = { (span: (bar: PlotModel.Bar, x0: Double, x1: Double)) in span.x1 - span.x0 <= 4 }
        for span in spans where !span.bar.isRace { bar(span, middle: middle) }
        for span in spans where span.bar.isRace && !isMoment(span) { bar(span, middle: middle) }
        for (marker, x) in zip(lane.markers, markerXs) {
            self.marker(marker.kind, x: x, y: middle, tooltip: marker.tooltip)
        }
        for span in spans where span.bar.isRace && isMoment(span) { bar(span, middle: middle) }
        // Labels where they fit: races first, then the others, never over a bar, a marker or another label.
        let ordered = spans.filter(\.bar.isRace) + spans.filter { !$0.bar.isRace }
        for span in ordered {
            // Past a marker sitting on the bar's end (the `remove` that ended a race), not over it.
            let after = max(span.x1, markerXs.filter { abs($0 - span.x1) < 8 }.max().map { $0 + 5 } ?? span.x1) + 4
            let before = min(span.x0, markerXs.filter { abs($0 - span.x0) < 8 }.min().map { $0 - 5 } ?? span.x0) - 4
            let candidates = [span.bar.label, span.bar.shortLabel].flatMap { label in
                let width = Double(label.count) * Self.charWidth10
                return [(label, after, after + width, "start"), (label, before - width, before, "end")]
            }
            for (label, start, end, anchor) in candidates {
                guard start >= Self.plotX, end <= Self.width - 6 else { continue }
                let clear = !occupied.contains { other in
                    other.1 > start - 2 && other.0 < end + 2 && !(other.0 == span.x0 && other.1 == span.x1)
                }
                guard clear else { continue }
                text(anchor == "start" ? start : end, middle + 3.5, label,
                     fill: span.bar.isRace ? Self.darkRed : "#4a5a70", size: 10, anchor: anchor, bold: span.bar.isRace,
                     className: span.bar.isRace ? "race-label" : "bar-label", halo: true)
                occupied.append((start, end))
                break
            }
        }
        out += "</g>\n"
    }

    /// Markers closer than they can be told apart (an `unbind` and the `remove` right after it) are moved
    /// apart around their middle, in time order; order and rough place stay right.
    static func spread(_ xs: [Double]) -> [Double] {
        let gap = 10.0
        let order = xs.indices.sorted { (xs[$0], $0) < (xs[$1], $1) }
        var result = xs
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, xs[order[end + 1]] - xs[order[end]] < gap { end += 1 }
            let cluster = order[start...end]
            let middle = cluster.reduce(0.0) { $0 + xs[$1] } / Double(cluster.count)
            for (position, index) in cluster.enumerated() {
                result[index] = middle + (Double(position) - Double(cluster.count - 1) / 2) * gap
            }
            start = end + 1
        }
        return result
    }

    // MARK: Primitives

    private mutating func bar(_ span: (bar: PlotModel.Bar, x0: Double, x1: Double), middle: Double) {
        let fill = span.bar.isRace ? Self.red : Self.blue
        let tall = span.bar.isRace && span.x1 - span.x0 <= 4
        out += "<rect class=\"\(span.bar.isRace ? "bar race" : "bar")\" x=\"\(SVGText.number(span.x0))\" "
            + "y=\"\(SVGText.number(middle - (tall ? 8 : 6)))\" width=\"\(SVGText.number(span.x1 - span.x0))\" "
            + "height=\"\(tall ? 16 : 12)\" rx=\"2\" fill=\"\(fill)\"><title>\(SVGText.escape(span.bar.tooltip))</title></rect>\n"
    }

    private mutating func marker(_ kind: PlotModel.MarkerKind, x: Double, y: Double, tooltip: String? = nil) {
        let title = tooltip.map { "<title>\(SVGText.escape($0))</title>" } ?? ""
        let n = SVGText.number
        let shape: String
        switch kind {
        case .driverAdd, .moduleAdd:
            let hollow = kind == .moduleAdd
            shape = "<path d=\"M\(n(x - 5)) \(n(y + 4.5)) L\(n(x)) \(n(y - 4.5)) L\(n(x + 5)) \(n(y + 4.5)) Z\" "
                + (hollow ? "fill=\"#ffffff\" stroke=\"\(Self.green)\" stroke-width=\"1.5\"" : "fill=\"\(Self.green)\"")
        case .driverRemove, .moduleRemove:
            let hollow = kind == .moduleRemove
            shape = "<path d=\"M\(n(x - 5)) \(n(y - 4.5)) L\(n(x)) \(n(y + 4.5)) L\(n(x + 5)) \(n(y - 4.5)) Z\" "
                + (hollow ? "fill=\"#ffffff\" stroke=\"#444444\" stroke-width=\"1.5\"" : "fill=\"#444444\"")
        case .unbind:
            shape = "<path d=\"M\(n(x)) \(n(y - 5.5)) L\(n(x + 5)) \(n(y)) L\(n(x)) \(n(y + 5.5)) L\(n(x - 5)) \(n(y)) Z\" "
                + "fill=\"\(Self.orange)\" stroke=\"#ffffff\" stroke-width=\"0.8\""
        case .remove:
            shape = "<path d=\"M\(n(x - 4)) \(n(y - 4)) L\(n(x + 4)) \(n(y + 4)) M\(n(x - 4)) \(n(y + 4)) "
                + "L\(n(x + 4)) \(n(y - 4))\" stroke=\"#222222\" stroke-width=\"2.2\" stroke-linecap=\"round\" fill=\"none\""
        }
        out += "<g class=\"marker \(kind.rawValue)\">\(shape)/>\(title)</g>\n"
    }

    private mutating func rect(_ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String) {
        out += "<rect x=\"\(SVGText.number(x))\" y=\"\(SVGText.number(y))\" width=\"\(SVGText.number(width))\" "
            + "height=\"\(SVGText.number(height))\" fill=\"\(fill)\"/>\n"
    }

    private mutating func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String) {
        out += "<line x1=\"\(SVGText.number(x1))\" y1=\"\(SVGText.number(y1))\" x2=\"\(SVGText.number(x2))\" "
            + "y2=\"\(SVGText.number(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>\n"
    }

    private mutating func text(_ x: Double, _ y: Double, _ content: String, fill: String, size: Int = 11,
                               anchor: String = "start", bold: Bool = false, className: String? = nil,
                               halo: Bool = false) {
        out += "<text x=\"\(SVGText.number(x))\" y=\"\(SVGText.number(y))\""
            + (size == 11 ? "" : " font-size=\"\(size)\"")
            + (anchor == "start" ? "" : " text-anchor=\"\(anchor)\"")
            + (bold ? " font-weight=\"bold\"" : "")
            // A white outline under the glyphs keeps a label readable over grid lines and idle bands.
            + (halo ? " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"" : "")
            + (className.map { " class=\"\($0)\"" } ?? "")
            + " fill=\"\(fill)\">\(SVGText.escape(content))</text>\n"
    }
}
