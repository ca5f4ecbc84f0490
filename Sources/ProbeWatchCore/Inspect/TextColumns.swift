/// Plain-text layout for 80-column terminals: padded columns, and long text cut from the left (a DEVPATH's
/// end says most) or wrapped onto indented lines.
enum TextColumns {
    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// Keeps the end: `…/pci0000:00/0000:00:14.0/usb1`.
    static func keepEnd(_ text: String, _ width: Int) -> String {
        text.count <= width ? text : "…" + String(text.suffix(width - 1))
    }

    /// Words onto lines of at most `width` characters; a word longer than that gets a line of its own.
    static func wrap(_ text: String, _ width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += line.isEmpty ? String(word) : " " + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    static func offset(_ usec: Int64) -> String {
        "+" + TimeSpan.describe(usec: usec)
    }
}
