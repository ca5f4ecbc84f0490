import Foundation
import Logging
import Testing
@testable import ProbeWatch
@testable import ProbeWatchCore

/// A file in a fresh temporary directory, removed with it.
private final class TemporaryFile {
    let directory: URL
    let path: String

    init(_ bytes: [UInt8]) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("probewatch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("input").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    convenience init(_ text: String) throws {
        try self.init(Array(text.utf8))
    }

    deinit { try? FileManager.default.removeItem(at: directory) }
}

@Suite("Replay input: lines from bytes")
struct LineReaderTests {
    struct Seen: Equatable {
        var text: [UInt8]
        var number: Int
        var isLast: Bool
        var isTooLong: Bool
    }

    func lines(_ bytes: [UInt8], chunk: Int = 1 << 20, maxLine: Int = 16 << 20) throws -> [Seen] {
        let file = try TemporaryFile(bytes)
        var reader = LineReader(path: file.path)
        reader.chunkBytes = chunk
        reader.maxLineBytes = maxLine
        var seen: [Seen] = []
        try reader.forEachLine { seen.append(Seen(text: Array($0.bytes), number: $0.number, isLast: $0.isLast, isTooLong: $0.isTooLong)) }
        return seen
    }

    /// What splitting the whole file at newlines gives, with the last line marked as replay always marked it.
    func expected(_ bytes: [UInt8]) -> [Seen] {
        var parts = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).map(Array.init)
        if parts.last?.isEmpty == true { parts.removeLast() }
        return parts.enumerated().map { Seen(text: $0.element, number: $0.offset + 1, isLast: $0.offset == parts.count - 1, isTooLong: false) }
    }

    @Test(arguments: ["", "\n", "a", "a\n", "a\nb", "a\nb\n", "\n\n", "a\n\nb\n\n", "{\"x\":1}\r\n{\"y\":2}\r\n"])
    func linesNumbersAndTheLastLine(_ text: String) throws {
        #expect(try lines(Array(text.utf8)) == expected(Array(text.utf8)))
    }

    @Test func anyChunkSizeGivesTheSameLines() throws {
        var generator = SeededGenerator(seed: 11)
        for length in [0, 1, 7, 8, 9, 63, 64, 65, 1000] {
            let bytes = (0..<length).map { _ in [0x0a, 0x61, 0x62, 0x00, 0xff][Int.random(in: 0..<5, using: &generator)] as UInt8 }
            for chunk in [1, 2, 3, 7, 64, 4096] {
                #expect(try lines(bytes, chunk: chunk) == expected(bytes), "\(length) bytes in chunks of \(chunk)")
            }
        }
    }

    @Test func tooLongLinesAreDroppedAndTheRestIsRead() throws {
        let long = [UInt8](repeating: 0x78, count: 100)
        for chunk in [1, 3, 16, 99, 100, 101, 4096] {
            let bytes = Array("a\n".utf8) + long + [0x0a] + Array("b\n".utf8) + long
            let seen = try lines(bytes, chunk: chunk, maxLine: 50)
            #expect(seen == [
                Seen(text: Array("a".utf8), number: 1, isLast: false, isTooLong: false),
                Seen(text: [], number: 2, isLast: false, isTooLong: true),
                Seen(text: Array("b".utf8), number: 3, isLast: false, isTooLong: false),
                Seen(text: [], number: 4, isLast: true, isTooLong: true),
            ], "chunks of \(chunk)")
        }
    }

    /// A line exactly at the limit is kept however the reads fall, also when its newline ends a read.
    @Test func aLineAtTheLimitIsKeptWhateverTheChunking() throws {
        let bytes = [UInt8](repeating: 0x78, count: 50) + [0x0a] + Array("b\n".utf8)
        for chunk in [1, 7, 50, 51, 52, 4096] {
            let seen = try lines(bytes, chunk: chunk, maxLine: 50)
            #expect(seen.map(\.isTooLong) == [false, false], "chunks of \(chunk)")
            #expect(seen.first?.text.count == 50, "chunks of \(chunk)")
        }
    }

    @Test func aMissingFileIsAnErrorNamingIt() {
        #expect(throws: SystemError.self) { try LineReader(path: "/nonexistent/probewatch-capture").forEachLine { _ in } }
    }
}

@Suite("Replay input: files")
struct ReplayInputTests {
    let logger = Logger(label: "test")

    func read(_ text: String, format: ReplayFormat = .auto) throws -> (ReplayInput.Counts, [UEvent]) {
        let file = try TemporaryFile(text)
        var events: [UEvent] = []
        let counts = try ReplayInput(path: file.path, format: format, logger: logger).read { events.append($0) }
        return (counts, events)
    }

    static func event(_ seqnum: Int, _ action: String = "add") -> String {
        #"{"type":"event","schema":1,"time":"2026-01-02T03:04:05.000006Z","seqnum":\#(seqnum),"action":"\#(action)","#
            + #""devpath":"/devices/d\#(seqnum)","source":"kernel","monotonic_usec":\#(seqnum),"properties":{}}"#
    }

    @Test func jsonLinesWithEveryKindOfLine() throws {
        let text = "\n  \t\n" + [
            #"{"type":"header","schema":1}"#, Self.event(1), Self.event(2), Self.event(1), "garbage", "\u{00A0}\u{2003}",
            #"{"type":"event","schema":2}"#, #"{"type":"event","schema":3,"seqnum":"x"}"#, Self.event(3, "bind"),
        ].joined(separator: "\n") + "\n" + Self.event(4).dropLast(3)
        let (counts, events) = try read(text)
        #expect(counts.format == .jsonl)
        #expect(events.map(\.seqnum) == [1, 2, 3])
        #expect(counts.events == 3 && counts.duplicates == 1 && counts.newerSchemaLines == 2)
        #expect(counts.skippedLines == 2)  // garbage, the torn last line; Unicode spaces are blank
    }

    @Test func udevadmCapturesAreStillDetectedAndRead() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/udevadm/async-probe.property-kernel-udev.txt")
        let text = try String(contentsOf: fixtures, encoding: .utf8)
        let (counts, events) = try read("\n" + text)
        #expect(counts.format == .udevadm)
        #expect(!events.isEmpty && counts.duplicates == events.count)  // every KERNEL event has its UDEV twin
        let (_, again) = try read(text, format: .udevadm)
        #expect(again == events)
    }

    @Test func blankFilesAreUdevadmWithNoEvents() throws {
        let (counts, events) = try read(" \n\n\t")
        #expect(counts.format == .udevadm && events.isEmpty && counts.skippedLines == 0)
    }
}

@Suite("Capture deduplication by SEQNUM")
struct RecentSeqnumsTests {
    @Test func duplicatesWithinTheMemoryAreDropped() {
        var seen = RecentSeqnums()
        #expect(seen.insert(10) && seen.insert(12) && seen.insert(11))
        #expect(!seen.insert(10) && !seen.insert(11) && !seen.insert(12))
        #expect(seen.insert(0) && !seen.insert(0))
    }

    @Test func agreesWithASetOfTheRecentOnes() {
        var seen = RecentSeqnums()
        var reference = Set<UInt64>()
        var highest: UInt64 = 0
        var generator = SeededGenerator(seed: 5)
        var next: UInt64 = 1_000
        for _ in 0..<200_000 {
            let seqnum: UInt64
            switch Int.random(in: 0..<100, using: &generator) {
            case 0..<70: seqnum = next; next += UInt64.random(in: 1...3, using: &generator)
            case 70..<95: seqnum = next - min(next, UInt64.random(in: 0...150_000, using: &generator))
            case 95..<99: seqnum = next + UInt64.random(in: 0...300_000, using: &generator); next = seqnum + 1
            default: seqnum = UInt64.random(in: 0...UInt64.max, using: &generator)
            }
            highest = max(highest, seqnum)
            let expected = highest - seqnum >= RecentSeqnums.memory || reference.insert(seqnum).inserted
            #expect(seen.insert(seqnum) == expected, "\(seqnum)")
            if reference.count > 400_000 { reference = reference.filter { highest - $0 < RecentSeqnums.memory } }
        }
    }

    @Test func theEndsOfTheRange() {
        var seen = RecentSeqnums()
        #expect(seen.insert(.max) && !seen.insert(.max))
        #expect(seen.insert(.max - 1) && !seen.insert(.max - 1))
        #expect(seen.insert(0) && seen.insert(0))  // far below the highest: forgotten at once
    }
}

/// Replay parses events a batch at a time before handing them on; the batches must not change what is
/// handed on, nor its order against the warnings.
@Suite("Replay input: batches")
struct ReplayBatchTests {
    /// Events handed on and warnings logged, in the order they happened.
    final class Journal: @unchecked Sendable {
        private let lock = NSLock()
        private var entries: [String] = []

        func note(_ entry: String) {
            lock.withLock { entries.append(entry) }
        }

        var all: [String] { lock.withLock { entries } }
    }

    struct JournalLogHandler: LogHandler {
        let journal: Journal
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            if event.level == .warning { journal.note("warning") }
        }
    }

    @Test func everyEventInOrderInBatchesOfAtMostTheBatchSize() throws {
        let count = ReplayInput.batchSize * 2 + 7
        let file = try TemporaryFile((1...count).map { ReplayInputTests.event($0) }.joined(separator: "\n") + "\n")
        var sizes: [Int] = []
        var seqnums: [UInt64] = []
        let counts = try ReplayInput(path: file.path, format: .jsonl, logger: Logger(label: "test")).read { batch in
            sizes.append(batch.count)
            seqnums += batch.compactMap(\.seqnum)
        }
        #expect(seqnums == (1...UInt64(count)).map { $0 })
        #expect(sizes == [ReplayInput.batchSize, ReplayInput.batchSize, 7])
        #expect(counts.events == count)
    }

    @Test func aWarningComesAfterTheEventsBeforeItsLine() throws {
        let lines = (1...5).map { ReplayInputTests.event($0) } + ["garbage"] + (6...9).map { ReplayInputTests.event($0) }
        let file = try TemporaryFile(lines.joined(separator: "\n") + "\n")
        let journal = Journal()
        let logger = Logger(label: "test") { _ in JournalLogHandler(journal: journal) }
        _ = try ReplayInput(path: file.path, format: .jsonl, logger: logger).read { event in
            journal.note("event \(event.seqnum ?? 0)")
        }
        #expect(journal.all == (1...5).map { "event \($0)" } + ["warning"] + (6...9).map { "event \($0)" })
    }
}
