import Glibc
import Logging
import ProbeWatchCore

/// The recorded formats `probewatch replay` reads.
public enum ReplayFormat: String, CaseIterable, Sendable {
    case auto
    /// `udevadm monitor` output, with or without `--property`.
    case udevadm
    /// probewatch's own JSON Lines log.
    case jsonl

    /// A JSON Lines log starts with `{`; anything else is treated as a udevadm capture.
    static func detect(firstLine: Substring) -> ReplayFormat {
        firstLine.drop { $0 == " " || $0 == "\t" }.hasPrefix("{") ? .jsonl : .udevadm
    }
}

/// Reads one recorded file and hands its events, deduplicated, to `emit`.
public struct ReplayInput {
    public struct Counts {
        public var events = 0
        public var skippedLines = 0
        public var duplicates = 0
        public var newerSchemaLines = 0
        public var format = ReplayFormat.auto
    }

    public let path: String
    public let format: ReplayFormat
    let logger: Logger

    public init(path: String, format: ReplayFormat, logger: Logger) {
        self.path = path
        self.format = format
        self.logger = logger
    }

    public func read(emit: (UEvent) -> Void) throws -> Counts {
        let bytes = try TextFile.readBytes(path)
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = TextLines.split(text)
        var counts = Counts()
        counts.format = format == .auto
            ? ReplayFormat.detect(firstLine: lines.first { !$0.allSatisfy(\.isWhitespace) } ?? "") : format
        var dedup = CaptureDeduplicator()
        var (events, duplicates) = (0, 0)
        let admit: (UEvent) -> Void = { event in
            guard dedup.admit(event) else { return duplicates += 1 }
            events += 1
            emit(event)
        }
        switch counts.format {
        case .jsonl: readJSONLines(lines, counts: &counts, emit: admit)
        default: readUdevadm(lines, counts: &counts, emit: admit)
        }
        counts.events = events
        counts.duplicates = duplicates
        return counts
    }

    private func readUdevadm(_ lines: [Substring], counts: inout Counts, emit: (UEvent) -> Void) {
        var parser = UdevadmTextParser()
        for line in lines { parser.feed(line, emit: emit) }
        parser.finish(emit: emit)
        counts.skippedLines += parser.skippedLines
    }

    private func readJSONLines(_ lines: [Substring], counts: inout Counts, emit: (UEvent) -> Void) {
        let parser = JSONLinesEventParser()
        for (number, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            switch parser.parse(line) {
            case .event(let event): emit(event)
            case .otherRecord: break
            case .newerSchema(let schema):
                counts.newerSchemaLines += 1
                if counts.newerSchemaLines == 1 {
                    logger.warning("\(path):\(number + 1): schema \(schema) is newer than this probewatch understands (\(RecordContext.schemaVersion)); skipping such lines")
                }
            case .invalid(let why):
                counts.skippedLines += 1
                let last = number == lines.count - 1 || (number == lines.count - 2 && lines.last?.isEmpty == true)
                logger.warning("\(path):\(number + 1): \(last ? "truncated last line" : why); skipped")
            }
        }
    }
}
