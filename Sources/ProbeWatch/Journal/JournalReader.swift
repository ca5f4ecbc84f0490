import CSystemd
import Glibc

/// Reads probewatch's own entries back with the sd-journal API: the JSON Lines record each one carries in
/// PROBEWATCH_JSON, oldest first. Entries without it (stderr lines, the rate-limit summary) are skipped.
public final class JournalReader {
    private var journal: OpaquePointer?

    /// `directory`: a copied journal (`journalctl -D`); nil: this machine's journal.
    public init(directory: String?) throws {
        let result = directory.map { sd_journal_open_directory(&journal, $0, 0) }
            ?? sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard result >= 0 else { throw SystemError("sd_journal_open \(directory ?? "")", errno: -result) }
        // The default threshold (64 KiB) would cut PROBEWATCH_JSON of a long event record.
        sd_journal_set_data_threshold(journal, 0)
    }

    deinit {
        sd_journal_close(journal)
    }

    public func records(sinceUsec: Int64?, untilUsec: Int64?) throws -> [String] {
        try check(sd_journal_add_match(journal, "SYSLOG_IDENTIFIER=probewatch", 0), "sd_journal_add_match")
        if let sinceUsec {
            try check(sd_journal_seek_realtime_usec(journal, UInt64(max(0, sinceUsec))), "sd_journal_seek")
        }
        var lines: [String] = []
        while try check(sd_journal_next(journal), "sd_journal_next") > 0 {
            if let untilUsec, entryTimeUsec() > untilUsec { break }
            if let line = field("PROBEWATCH_JSON") { lines.append(line) }
        }
        return lines
    }

    private func entryTimeUsec() -> Int64 {
        var usec: UInt64 = 0
        return sd_journal_get_realtime_usec(journal, &usec) >= 0 ? Int64(usec) : 0
    }

    private func field(_ name: String) -> String? {
        var data: UnsafeRawPointer?
        var length = 0
        guard sd_journal_get_data(journal, name, &data, &length) >= 0, let data else { return nil }
        let bytes = UnsafeRawBufferPointer(start: data, count: length).dropFirst(name.utf8.count + 1)
        return String(decoding: bytes, as: UTF8.self)
    }

    @discardableResult
    private func check(_ result: Int32, _ operation: String) throws -> Int32 {
        guard result >= 0 else { throw SystemError(operation, errno: -result) }
        return result
    }
}
