/// One record of the kernel log as /dev/kmsg hands it out (Documentation/ABI/testing/dev-kmsg):
/// `prio,seq,usec,flags[,…];text` and then ` KEY=value` lines, SUBSYSTEM= and DEVICE= among them for
/// dev_printk() messages. The kernel escapes unprintable bytes in the text as `\xNN`.
public struct KmsgRecord: Sendable, Equatable {
    /// syslog facility << 3 | level.
    public var priority: Int
    public var sequence: UInt64
    /// The printk timestamp: local_clock(), which probewatch treats as CLOCK_MONOTONIC, as journald does.
    public var monotonicUsec: Int64
    public var text: String
    /// SUBSYSTEM= of a dev_printk() message.
    public var subsystem: String?
    /// DEVICE= of a dev_printk() message: `+subsystem:name`, `b8:0`, `c4:1` or `n2`.
    public var device: String?

    public init(priority: Int, sequence: UInt64, monotonicUsec: Int64, text: String, subsystem: String? = nil,
                device: String? = nil) {
        self.priority = priority
        self.sequence = sequence
        self.monotonicUsec = monotonicUsec
        self.text = text
        self.subsystem = subsystem
        self.device = device
    }

    /// The device's kernel name from a `+subsystem:name` DEVICE= key, the only form that names it.
    public var deviceName: String? {
        guard let device, device.hasPrefix("+"), let colon = device.firstIndex(of: ":") else { return nil }
        let name = device[device.index(after: colon)...]
        return name.isEmpty ? nil : String(name)
    }

    /// 2^53 µs (285 years of uptime): anything larger is forged, and would overflow the clock arithmetic.
    public static let maxMonotonicUsec: Int64 = 1 << 53

    /// Parses one record; nil when the header is not `prio,seq,usec,flags;`.
    public static func parse(_ record: Substring) -> KmsgRecord? {
        let lines = record.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first, let semicolon = first.firstIndex(of: ";") else { return nil }
        let header = first[..<semicolon].split(separator: ",", omittingEmptySubsequences: false)
        guard header.count >= 4, let priority = Int(header[0]), let sequence = UInt64(header[1]),
              let usec = Int64(header[2]), priority >= 0, (0...Self.maxMonotonicUsec).contains(usec)
        else { return nil }
        var parsed = KmsgRecord(priority: priority, sequence: sequence, monotonicUsec: usec,
                                text: String(first[first.index(after: semicolon)...]))
        for line in lines.dropFirst() where line.first == " " {
            let pair = line.dropFirst()
            if pair.hasPrefix("SUBSYSTEM=") { parsed.subsystem = String(pair.dropFirst(10)) }
            if pair.hasPrefix("DEVICE=") { parsed.device = String(pair.dropFirst(7)) }
        }
        return parsed
    }

    /// Splits a byte stream (a FIFO, a saved file) into records: a record ends at a newline that is not
    /// followed by a ` KEY=value` continuation line. Writers write whole records, so text that ends with a
    /// newline ends with a whole record. Returns the records and the bytes of an unfinished one.
    public static func split(_ text: Substring) -> (records: [Substring], rest: Substring) {
        var records: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        while let newline = text[index...].firstIndex(of: "\n") {
            let next = text.index(after: newline)
            if next == text.endIndex || text[next] != " " {
                records.append(text[start..<newline])
                start = next
            }
            index = next
        }
        return (records, text[start...])
    }
}
