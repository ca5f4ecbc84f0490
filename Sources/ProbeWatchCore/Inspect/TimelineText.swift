/// The inspection views as text for an 80-column terminal.
public enum TimelineText {
    static let width = 80
    private static let noteIndent = String(repeating: " ", count: 23)

    public static func device(_ view: DeviceView) -> String {
        var lines = ["\(view.devpath)" + (view.subsystem.map { "  (\($0))" } ?? "")]
        lines.append("  " + TextColumns.pad("OFFSET", 11) + TextColumns.padLeft("SEQNUM", 8) + "  "
            + TextColumns.pad("EVENT", 31) + "DRIVER")
        for row in view.rows {
            let seqnum = row.seqnum.map(String.init) ?? "-"
            lines.append("  " + TextColumns.pad(TextColumns.offset(row.offsetUsec), 11) + TextColumns.padLeft(seqnum, 8)
                + "  " + TextColumns.pad(TextColumns.keepEnd(row.what, 30), 30) + " " + (row.driver ?? ""))
            for note in row.notes { lines += noteLines(note) }
        }
        return lines.joined(separator: "\n")
    }

    public static func driver(_ view: DriverView) -> String {
        var lines = ["driver \(view.driver) on bus \(view.bus)" + (view.module.map { " (module \($0))" } ?? "")]
        lines.append("  registrations:" + (view.registrations.isEmpty ? " none in this log" : ""))
        for row in view.registrations {
            lines.append("    " + TextColumns.pad(TextColumns.offset(row.offsetUsec), 11)
                + TextColumns.padLeft(row.seqnum.map(String.init) ?? "-", 7) + "  " + row.what)
        }
        lines.append("  probe windows: \(view.windows.count), at most \(view.peakConcurrency) pending at once")
        if !view.windows.isEmpty {
            lines.append("    " + TextColumns.pad("DEVICE", 24) + TextColumns.pad("FROM", 10) + TextColumns.pad("TO", 10)
                + "OUTCOME")
        }
        for window in view.windows {
            lines.append("    " + TextColumns.pad(TextColumns.keepEnd(window.devpath, 23), 24)
                + TextColumns.pad(TextColumns.offset(window.startOffsetUsec), 10)
                + TextColumns.pad(TextColumns.offset(window.endOffsetUsec), 10)
                + (window.isRace ? "RACE " : "") + window.outcome)
        }
        return lines.joined(separator: "\n")
    }

    public static func races(_ summary: RaceSummary) -> String {
        guard !summary.findings.isEmpty else { return "no findings" }
        var lines = ["\(summary.findings.count) finding\(summary.findings.count == 1 ? "" : "s")", ""]
        lines += counts("KIND", summary.byKind) + [""] + counts("DRIVER", summary.byDriver) + [""]
        lines.append("  " + TextColumns.pad("TIME (UTC)", 24) + TextColumns.pad("KIND", 27) + TextColumns.pad("DEVICE", 19)
            + "WINDOW")
        for finding in summary.findings {
            lines.append("  " + TextColumns.pad(time(finding.realtimeUsec), 24) + TextColumns.pad(finding.kind.rawValue, 27)
                + TextColumns.pad(TextColumns.keepEnd(finding.devpath, 18), 19) + TimeSpan.describe(usec: finding.windowUsec))
            lines += TextColumns.wrap(finding.message, width - 4).map { "    " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    private static func counts(_ title: String, _ counts: [RaceSummary.Count]) -> [String] {
        ["  " + TextColumns.pad(title, 40) + "COUNT"]
            + counts.map { "  " + TextColumns.pad(TextColumns.keepEnd($0.name, 39), 40) + TextColumns.padLeft(String($0.count), 5) }
    }

    private static func noteLines(_ note: String) -> [String] {
        TextColumns.wrap(note, width - noteIndent.count - 2).enumerated().map { index, line in
            noteIndent + (index == 0 ? "↳ " : "  ") + line
        }
    }

    /// `2026-11-25 19:01:02.123`: RFC 3339 cut to milliseconds, readable in a column.
    static func time(_ usec: Int64?) -> String {
        guard let usec else { return "-" }
        return String(RFC3339.format(realtimeUsec: usec).prefix(23).map { $0 == "T" ? " " : $0 })
    }
}
