/// A kernel message format as a template: `{driver}: probe of {device} failed with error {code}`. Literal
/// text must match exactly; a field takes everything up to the next literal (or to the end), never nothing.
/// Kernel formats are fixed strings, so a template reads like the printk() it matches.
struct LinePattern: Sendable {
    enum Part: Sendable {
        case literal(String)
        case field(String)
    }

    let parts: [Part]

    init(_ template: String) {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
            if open > rest.startIndex { parts.append(.literal(String(rest[..<open]))) }
            parts.append(.field(String(rest[rest.index(after: open)..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
    }

    /// The fields when the whole text matches, else nil.
    func match(_ text: Substring) -> [String: Substring]? {
        var fields: [String: Substring] = [:]
        var rest = text
        for (index, part) in parts.enumerated() {
            switch part {
            case .literal(let literal):
                guard rest.hasPrefix(literal) else { return nil }
                rest = rest.dropFirst(literal.count)
            case .field(let name):
                let value: Substring
                if case .literal(let next)? = parts[safe: index + 1] {
                    guard let range = rest.range(of: next) else { return nil }
                    value = rest[..<range.lowerBound]
                } else {
                    value = rest
                }
                guard !value.isEmpty else { return nil }
                fields[name] = value
                rest = rest[value.endIndex...]
            }
        }
        return rest.isEmpty ? fields : nil
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}

extension Substring {
    /// The first occurrence of `needle`; the stdlib has no substring search without Foundation.
    fileprivate func range(of needle: String) -> Range<Index>? {
        guard let first = needle.first else { return nil }
        var start = startIndex
        while let candidate = self[start...].firstIndex(of: first) {
            if self[candidate...].hasPrefix(needle) {
                return candidate..<index(candidate, offsetBy: needle.count)
            }
            start = index(after: candidate)
        }
        return nil
    }
}
