import ProbeWatchCore

/// Parses what `udevadm monitor` prints, with or without `--property`, `--kernel`, `--udev`:
///
///     KERNEL[2719.123456] bind     /devices/pci0000:00/0000:00:1f.3 (pci)
///     ACTION=bind
///     DEVPATH=/devices/pci0000:00/0000:00:1f.3
///     ...
///
/// Real captures are messy: indented or wrapped lines, shell prompts and kernel messages mixed in. Lines
/// that fit nothing are skipped and counted; a wrapped property line is joined to the one before it.
public struct UdevadmTextParser {
    public private(set) var skippedLines = 0
    private var block: Block?

    struct Block {
        var source: UEvent.Source
        var monotonicUsec: Int64
        var action: String
        var devpath: String
        var subsystem: String?
        var properties = OrderedProperties()
        var lastKey: String?
    }

    /// KEY=value lines in order, a key given again replacing its value in place; indexed, because a
    /// hostile capture can hold tens of thousands of lines for one event.
    struct OrderedProperties {
        private var pairs: [(name: String, value: String)] = []
        private var positions: [String: Int] = [:]

        subscript(name: String) -> String? {
            get { positions[name].map { pairs[$0].value } }
            set {
                guard let newValue else { return }
                if let position = positions[name] {
                    pairs[position].value = newValue
                } else {
                    positions[name] = pairs.count
                    pairs.append((name, newValue))
                }
            }
        }

        var uevent: UEventProperties {
            var properties = UEventProperties()
            for (name, value) in pairs { properties.appendUnique(name, value) }
            return properties
        }
    }

    public init() {}

    public mutating func feed(_ rawLine: Substring, emit: (UEvent) -> Void) {
        let line = rawLine.drop { $0 == " " || $0 == "\t" }.trimmingTrailingWhitespace()
        if line.isEmpty { return finish(emit: emit) }
        if let header = Self.header(line) {
            finish(emit: emit)
            block = header
        } else if block != nil, let (key, value) = Self.property(line) {
            block?.properties[key] = value
            block?.lastKey = key
        } else if block != nil, let key = block?.lastKey, Self.isContinuation(line) {
            let joined = (block?.properties[key] ?? "") + line
            block?.properties[key] = joined
        } else {
            skippedLines += 1
        }
    }

    /// Ends the current event (blank line, next header, or end of input).
    public mutating func finish(emit: (UEvent) -> Void) {
        guard let block else { return }
        self.block = nil
        guard let event = Self.event(from: block) else {
            skippedLines += 1
            return
        }
        emit(event)
    }

    private static func event(from block: Block) -> UEvent? {
        var properties = block.properties
        properties["ACTION"] = properties["ACTION"] ?? block.action
        properties["DEVPATH"] = properties["DEVPATH"] ?? block.devpath
        if let subsystem = block.subsystem { properties["SUBSYSTEM"] = properties["SUBSYSTEM"] ?? subsystem }
        let time = EventTime(realtimeUsec: nil, monotonicUsec: block.monotonicUsec)
        return UdevDevice.uevent(properties: properties.uevent, escapedKeys: [], source: block.source, received: time)
    }

    /// `KERNEL[2719.123456] add      /devices/... (subsystem)`, also `UDEV  [...]`.
    static func header(_ line: Substring) -> Block? {
        let source: UEvent.Source
        var rest: Substring
        if line.hasPrefix("KERNEL") {
            source = .kernel
            rest = line.dropFirst(6)
        } else if line.hasPrefix("UDEV") {
            source = .udev
            rest = line.dropFirst(4)
        } else {
            return nil
        }
        rest = rest.drop { $0 == " " }
        guard rest.first == "[", let close = rest.firstIndex(of: "]"),
              let usec = monotonicUsec(rest[rest.index(after: rest.startIndex)..<close])
        else { return nil }
        let words = rest[rest.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard words.count >= 2 else { return nil }
        var subsystem: String?
        if words.count >= 3, words[2].hasPrefix("("), words[2].hasSuffix(")") {
            subsystem = String(words[2].dropFirst().dropLast())
        }
        return Block(source: source, monotonicUsec: usec, action: String(words[0]), devpath: String(words[1]),
                     subsystem: subsystem?.isEmpty == false ? subsystem : nil)
    }

    /// `KEY=value` with an upper-case key, as the kernel and udev write them.
    static func property(_ line: Substring) -> (String, String)? {
        guard let equals = line.firstIndex(of: "="), equals != line.startIndex else { return nil }
        let key = line[..<equals]
        guard key.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5f }),
              key.first.map({ !$0.isNumber }) ?? false
        else { return nil }
        return (String(key), String(line[line.index(after: equals)...]))
    }

    /// A terminal-wrapped tail has no `KEY=` and is not a prompt or a kernel message (`[  12.3] ...`).
    static func isContinuation(_ line: Substring) -> Bool {
        if line.hasPrefix("[") || line.contains("$ ") || line.contains("# ") { return false }
        return !line.contains(" ")
    }

    /// CLOCK_MONOTONIC is never negative; 2^53 µs (285 years) keeps a time plus any configured span in Int64.
    static let maxMonotonicUsec: Int64 = 1 << 53

    static func monotonicUsec(_ text: Substring) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let seconds = Int64(parts[0].trimmingLeadingSpaces()),
              (0...maxMonotonicUsec / 1_000_000).contains(seconds) else { return nil }
        guard parts.count == 2 else { return seconds * 1_000_000 }
        let digits = parts[1].prefix(6)
        guard let fraction = Int64(digits), fraction >= 0 else { return nil }
        var scale: Int64 = 1
        for _ in digits.count..<6 { scale *= 10 }
        return seconds * 1_000_000 + fraction * scale
    }
}

extension Substring {
    func trimmingTrailingWhitespace() -> Substring {
        var end = endIndex
        while end > startIndex, let last = self[..<end].last, last == " " || last == "\t" || last == "\r" {
            end = index(before: end)
        }
        return self[..<end]
    }

    func trimmingLeadingSpaces() -> Substring { drop { $0 == " " } }
}
