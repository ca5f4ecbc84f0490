// Shared by every fuzz target: the failure check, and a harness that runs events (and kernel log records)
// through the real EventPipeline and encodes every record it emits with RecordEncoder, checking each line.
// Compiled into each target binary by Fuzz/run_fuzzers.sh; not part of the package.
import FoundationEssentials
import ProbeWatchCore

/// A failed check is a crash, so libFuzzer reports it and saves the input.
@inline(never)
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
             file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz check failed: \(message())", file: file, line: line) }
}

/// libFuzzer hands out a pointer that may be null for the empty input.
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

/// Any JSON value; decoding the encoder's output with it proves the line is valid JSON.
enum JSONValue: Decodable, Equatable {
    case null, bool(Bool), number(Double), string(String), array([JSONValue]), object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }
}

/// Runs hostile input through the model the daemon uses, and checks what comes out.
struct PipelineHarness {
    /// The time stamped on records whose event time is unknown.
    static let nowRealtimeUsec: Int64 = 1_700_000_000_000_000

    private(set) var pipeline: EventPipeline
    let encoder = RecordEncoder(context: RecordContext(bootID: "6f1e2d3c4b5a69788796a5b4c3d2e1f0", host: "fuzz"))
    /// Extra checks on each encoded line (the adapter targets parse it back).
    var lineCheck: ((Record, [UInt8]) -> Void)?
    private(set) var lastTime = EventTime(realtimeUsec: nil, monotonicUsec: 0)
    private(set) var recordCount = 0

    init() {
        var configuration = ProbeTracker.Configuration()
        // Small limits, so short inputs reach stalls, timeline trimming and forgetting removed devices.
        configuration.probeTimeoutUsec = 50_000
        configuration.timelineLimit = 4
        configuration.removedDeviceLimit = 4
        // MODALIAS `pwtest:v1` resolves to module `pwtest`: matching by module alias is reachable.
        configuration.modulesForModalias = { alias in
            alias.split(separator: ":", maxSplits: 1).first.map { [String($0)] } ?? []
        }
        configuration.moduleOfDriver = { key in key.name.hasPrefix("m") ? key.name : nil }
        pipeline = EventPipeline(tracker: ProbeTracker(configuration: configuration), reorderWindowUsec: 20_000)
    }

    mutating func ingest(_ event: UEvent) {
        var records: [Record] = []
        pipeline.ingest(event) { records.append($0) }
        lastTime = event.received
        check(records)
    }

    /// A message libudev would not have parsed.
    mutating func malformed() {
        pipeline.malformed()
    }

    mutating func ingest(kernelLog record: KmsgRecord, at time: EventTime) {
        var records: [Record] = []
        pipeline.ingest(kernelLog: record, at: time) { records.append($0) }
        lastTime = time
        check(records)
    }

    mutating func tick(_ time: EventTime) {
        var records: [Record] = []
        pipeline.tick(time) { records.append($0) }
        check(records)
    }

    /// End of input: time passes (stalls), then everything is settled and summarised.
    mutating func finish() {
        let later = EventTime(realtimeUsec: lastTime.realtimeUsec,
                              monotonicUsec: lastTime.monotonicUsec.addingReportingOverflow(1_000_000).overflow
                                  ? lastTime.monotonicUsec : lastTime.monotonicUsec + 1_000_000)
        tick(later)
        var records: [Record] = []
        pipeline.finish(at: later) { records.append($0) }
        check(records)
        guard case .summary(let summary)? = records.last else {
            return require(false, "finish did not end with a summary record")
        }
        require(summary.events >= 0 && summary.malformed >= 0, "negative counters in \(summary)")
    }

    private mutating func check(_ records: [Record]) {
        for record in records {
            recordCount += 1
            let line = encoder.line(for: record, nowRealtimeUsec: Self.nowRealtimeUsec)
            Self.checkLine(line, of: record)
            lineCheck?(record, line)
        }
    }

    /// One JSON object per line: at most `maxLineBytes` bytes (newline included), exactly one newline, at
    /// the end, valid UTF-8 and valid JSON with the record's type.
    static func checkLine(_ line: [UInt8], of record: Record) {
        require(line.count <= RecordEncoder.maxLineBytes,
                "\(record.type) line of \(line.count) bytes, over maxLineBytes (\(RecordEncoder.maxLineBytes))")
        require(line.last == 0x0a, "\(record.type) line does not end with a newline")
        require(line.dropLast().firstIndex(of: 0x0a) == nil, "\(record.type) line has a newline inside")
        require(String(validating: line, as: UTF8.self) != nil, "\(record.type) line is not UTF-8")
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: Data(line.dropLast()))
        } catch {
            return require(false, "\(record.type) line is not JSON (\(error)): \(String(decoding: line, as: UTF8.self))")
        }
        guard case .object(let object) = value else { return require(false, "line is not a JSON object") }
        require(object["type"] == .string(record.type), "line has type \(String(describing: object["type"]))")
    }
}
