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

    /// What one read keeps between lines. A class, shared by the line loop and the functions it calls:
    /// captured local variables had their exclusivity checked at run time on every use (two checks per
    /// line, 2% of replay), and nested functions handed on as closures retained what they captured at
    /// every line (about 140 instructions per event). A read runs on one thread.
    private final class ReadState {
        @exclusivity(unchecked) var counts = Counts()
        @exclusivity(unchecked) var dedup = CaptureDeduplicator()
        @exclusivity(unchecked) var batch: [UEvent] = []

        init(format: ReplayFormat) {
            counts.format = format
            batch.reserveCapacity(ReplayInput.batchSize)
        }

        func admit(_ event: UEvent, emitBatch: ([UEvent]) -> Void) {
            guard dedup.admit(event) else { return counts.duplicates += 1 }
            counts.events += 1
            batch.append(event)
            if batch.count == ReplayInput.batchSize { handOn(emitBatch) }
        }

        func handOn(_ emitBatch: ([UEvent]) -> Void) {
            guard !batch.isEmpty else { return }
            emitBatch(batch)
            batch.removeAll(keepingCapacity: true)
        }
    }

    /// Hands the events on one by one (after each batch is read).
    public func read(emit: (UEvent) -> Void) throws -> Counts {
        try read(emitBatch: { batch in for event in batch { emit(event) } })
    }

    /// Hands the events on in batches of up to `batchSize`, in order.
    public func read(emitBatch: ([UEvent]) -> Void) throws -> Counts {
        let state = ReadState(format: format)
        defer { state.handOn(emitBatch) }  // a read error ends the file, but what was read before it is kept
        let jsonl = JSONLinesEventParser(keepsAllProperties: keepsAllProperties)
        var udevadm = UdevadmTextParser()
        let reader = LineReader(path: path)
        try reader.forEachLine { line in
            if line.isTooLong {
                state.counts.skippedLines += 1
                warn("\(path):\(line.number): longer than \(reader.maxLineBytes) bytes; skipped", state, emitBatch)
                return
            }
            if state.counts.format == .auto {
                guard !line.isBlank else { return }
                state.counts.format = ReplayFormat.detect(firstLine: Substring(String(decoding: line.bytes, as: UTF8.self)))
            }
            switch state.counts.format {
            case .jsonl: readJSONLine(line, parser: jsonl, state: state, emitBatch: emitBatch)
            default:
                udevadm.feed(Substring(String(decoding: line.bytes, as: UTF8.self))) { state.admit($0, emitBatch: emitBatch) }
            }
        }
        if state.counts.format == .auto { state.counts.format = .udevadm }  // nothing but blank lines
        if state.counts.format == .udevadm {
            udevadm.finish { state.admit($0, emitBatch: emitBatch) }
            state.counts.skippedLines += udevadm.skippedLines
        }
        return state.counts
    }

    /// What was read before a warning is handed on first, so that warnings and records keep their order.
    private func warn(_ message: Logger.Message, _ state: ReadState, _ emitBatch: ([UEvent]) -> Void) {
        state.handOn(emitBatch)
        logger.warning(message)
    }

    private func readJSONLine(_ line: LineReader.Line, parser: JSONLinesEventParser, state: ReadState,
                              emitBatch: ([UEvent]) -> Void) {
        let result = parser.parse(line.bytes)
        switch consume result {
        case .event(let event): state.admit(event, emitBatch: emitBatch)
        case .otherRecord: break
        case .newerSchema(let schema):
            state.counts.newerSchemaLines += 1
            if state.counts.newerSchemaLines == 1 {
                warn("\(path):\(line.number): schema \(schema) is newer than this probewatch understands (\(RecordContext.schemaVersion)); skipping such lines",
                     state, emitBatch)
            }
        case .invalid(let why):
            guard !line.isBlank else { return }  // checked only now: nearly every line is a record
            state.counts.skippedLines += 1
            warn("\(path):\(line.number): \(line.isLast ? "truncated last line" : why); skipped", state, emitBatch)
        }
    }
}
