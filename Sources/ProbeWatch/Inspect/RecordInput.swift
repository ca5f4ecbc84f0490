import ProbeWatchCore

/// Where the inspection commands read records from: JSON Lines files (the daemon's log, rotated files,
/// an export) or the journal. Damaged input is reported and skipped, never fatal: a log cut off by a
/// crash, or written by a newer probewatch, still shows what it can.
public struct RecordInput {
    public enum Origin: Sendable {
        case files([String])
        /// `directory`: a copied journal; nil: this machine's.
        case journal(directory: String?)
    }

    public struct Result {
        public var records: [Record] = []
        /// What could not be read, one line each, for stderr.
        public var problems: [String] = []
    }

    public let origin: Origin
    public let sinceUsec: Int64?
    public let untilUsec: Int64?

    public init(origin: Origin, sinceUsec: Int64? = nil, untilUsec: Int64? = nil) {
        self.origin = origin
        self.sinceUsec = sinceUsec
        self.untilUsec = untilUsec
    }

    /// Throws when a source cannot be opened at all (a missing file, no journal).
    public func read() throws -> Result {
        var result = Result()
        switch origin {
        case .files(let paths):
            for path in paths {
                let bytes = try TextFile.readBytes(path)
                let text = String(decoding: bytes, as: UTF8.self)
                parse(TextLines.split(text), source: path,
                      endsWithNewline: bytes.last == 0x0a || bytes.isEmpty, into: &result)
            }
        case .journal(let directory):
            let lines = try JournalReader(directory: directory).records(sinceUsec: sinceUsec, untilUsec: untilUsec)
            parse(lines.map { Substring($0) }, source: directory ?? "the journal", endsWithNewline: true, into: &result)
        }
        result.records.removeAll { !inRange($0.realtimeUsec) }
        return result
    }

    private func inRange(_ time: Int64?) -> Bool {
        guard let time else { return sinceUsec == nil && untilUsec == nil }
        return time >= (sinceUsec ?? .min) && time <= (untilUsec ?? .max)
    }

    private func parse(_ lines: [Substring], source: String, endsWithNewline: Bool, into result: inout Result) {
        let parser = RecordLineParser()
        var invalid: [Int] = []
        var newer: [Int: Int] = [:]
        let last = lines.lastIndex { !$0.allSatisfy(\.isWhitespace) }
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            switch parser.parse(line) {
            case .record(let record): result.records.append(record)
            case .skipped: break
            case .newerSchema(let schema): newer[schema, default: 0] += 1
            case .invalid:
                if index == last, !endsWithNewline {
                    result.problems.append("\(source):\(index + 1): the last line is cut off (a crash, or a copy "
                        + "still being written?); skipped")
                } else {
                    invalid.append(index + 1)
                }
            }
        }
        if !invalid.isEmpty {
            let shown = invalid.prefix(5).map(String.init).joined(separator: ", ")
            result.problems.append("\(source): \(invalid.count) line(s) that are not probewatch records skipped "
                + "(line \(shown)\(invalid.count > 5 ? ", …" : ""))")
        }
        for (schema, count) in newer.sorted(by: { $0.key < $1.key }) {
            result.problems.append("\(source): \(count) record(s) of schema \(schema) skipped: this probewatch "
                + "reads schema \(RecordContext.schemaVersion); a newer probewatch wrote them")
        }
    }
}
