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
    /// See `JSONLinesEventParser.keepsAllProperties`.
    public var keepsAllProperties = true

    public init(path: String, format: ReplayFormat, logger: Logger) {
        self.path = path
        self.format = format
        self.logger = logger
    }

    /// Events are parsed a batch at a time and then handed on: parsing and tracking each run through
    /// more code than the instruction cache holds, and alternating them per line evicted both every time.
    static let batchSize = 128

    /// What one read keeps between lines. A class, because the nested functions below share it: captured
    /// local variables had their exclusivity checked at run time on every use (two checks per line, 2% of
    /// replay). A read runs on one thread.
    private final class ReadState {
        @exclusivity(unchecked) var counts = Counts()
        @exclusivity(unchecked) var dedup = CaptureDeduplicator()
        @exclusivity(unchecked) var batch: [UEvent] = []
    }

    /// Hands the events on one by one (after each batch is read).
    public func read(emit: (UEvent) -> Void) throws -> Counts {
        try read(emitBatch: { batch in for event in batch { emit(event) } })
    }

    /// Hands the events on in batches of up to `batchSize`, in order.
    public func read(emitBatch: ([UEvent]) -> Void) throws -> Counts {
        let state = ReadState()
        state.counts.format = format
        state.batch.reserveCapacity(Self.batchSize)
        func handOn() {
            guard !state.batch.isEmpty else { return }
            emitBatch(state.batch)
            state.batch.removeAll(keepingCapacity: true)
        }
        func admit(_ event: UEvent) {
            guard state.dedup.admit(event) else { return state.counts.duplicates += 1 }
            state.counts.events += 1
            state.batch.append(event)
            if state.batch.count == Self.batchSize { handOn() }
        }
        // What was read before a warning is handed on first, so that warnings and records keep their order.
        func warn(_ message: Logger.Message) {
            handOn()
            logger.warning(message)
        }
        defer { handOn() }  // a read error ends the file, but what was read before it is kept
        let jsonl = JSONLinesEventParser(keepsAllProperties: keepsAllProperties)
        var udevadm = UdevadmTextParser()
        let reader = LineReader(path: path)
        try reader.forEachLine { line in
            if line.isTooLong {
                state.counts.skippedLines += 1
                warn("\(path):\(line.number): longer than \(reader.maxLineBytes) bytes; skipped")
                return
            }
            if state.counts.format == .auto {
                guard !line.isBlank else { return }
                state.counts.format = ReplayFormat.detect(firstLine: Substring(String(decoding: line.bytes, as: UTF8.self)))
            }
            switch state.counts.format {
            case .jsonl: readJSONLine(line, parser: jsonl, counts: &state.counts, emit: admit, warn: warn)
            default: udevadm.feed(Substring(String(decoding: line.bytes, as: UTF8.self)), emit: admit)
            }
        }
        if state.counts.format == .auto { state.counts.format = .udevadm }  // nothing but blank lines
        if state.counts.format == .udevadm {
            udevadm.finish(emit: admit)
            state.counts.skippedLines += udevadm.skippedLines
        }
        return state.counts
    }

    private func readJSONLine(_ line: LineReader.Line, parser: JSONLinesEventParser, counts: inout Counts,
                              emit: (UEvent) -> Void, warn: (Logger.Message) -> Void) {
        let result = parser.parse(line.bytes)
        switch consume result {
        case .event(let event): emit(event)
        case .otherRecord: break
        case .newerSchema(let schema):
            counts.newerSchemaLines += 1
            if counts.newerSchemaLines == 1 {
                warn("\(path):\(line.number): schema \(schema) is newer than this probewatch understands (\(RecordContext.schemaVersion)); skipping such lines")
            }
        case .invalid(let why):
            guard !line.isBlank else { return }  // checked only now: nearly every line is a record
            counts.skippedLines += 1
            warn("\(path):\(line.number): \(line.isLast ? "truncated last line" : why); skipped")
        }
    }
}
