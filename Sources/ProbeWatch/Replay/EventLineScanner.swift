import ProbeWatchCore

/// Reads one JSON line into `EventLineFields`, straight from its bytes, in any key order. The whole line
/// is checked as JSON (strings, escapes, numbers, nesting, nothing after the object); of a key given twice
/// the first is read, as JSONDecoder did. Once `type` says the record is not an event (it comes first in
/// RecordEncoder's lines), its other fields are only checked, not read.
struct EventLineScanner {
    private var cursor: JSONByteCursor
    private var fields = EventLineFields()
    private var seen: UInt16 = 0
    /// Where the line is in `EventLineKey.encoderOrder`, while it follows it.
    private var nextInOrder = 0
    private let selection: PropertyListBuilder.Selection
    /// Unretained: `scan`'s caller holds it for the scan, and a reference the scanner owned was retained
    /// and released with each copy of the scanner.
    private let times: Unmanaged<RecordTimeText.SecondCache>?

    /// `properties`: which members of `properties` to keep; every member is checked either way. `times`:
    /// the second of the previous line's time, kept for the next.
    static func scan(_ line: UnsafeRawBufferPointer, properties: PropertyListBuilder.Selection = .all,
                     times: RecordTimeText.SecondCache? = nil) throws(JSONSyntaxError) -> EventLineFields {
        // `times` is a parameter: it stays alive until the scan returns.
        var scanner = EventLineScanner(cursor: JSONByteCursor(line), selection: properties,
                                       times: times.map(Unmanaged.passUnretained))
        try scanner.object()
        return scanner.fields
    }

    private init(cursor: JSONByteCursor, selection: PropertyListBuilder.Selection,
                 times: Unmanaged<RecordTimeText.SecondCache>?) {
        self.cursor = cursor
        self.selection = selection
        self.times = times
    }

    private enum Value<T> {
        case value(T), null, mistyped
    }

    private mutating func object() throws(JSONSyntaxError) {
        cursor.skipByteOrderMark()
        guard cursor.peek() == 0x7b else { throw cursor.error(cursor.isAtEnd ? "empty line" : "does not start with {") }
        try cursor.expect(0x7b, "{")
        if !cursor.take(0x7d), try membersInEncoderOrder() {
            repeat { try member(key()) } while try cursor.separator(closing: 0x7d)
        }
        if cursor.peek() != nil { throw cursor.error("more after the object") }
    }

    /// The members that follow RecordEncoder's order, each key matched by its bytes where it stands, up to
    /// the first that does not: true when members remain (for `key()`), false when the object ended. What
    /// `key()` would find, without a call and a table lookup for each of an event line's thirteen keys.
    private mutating func membersInEncoderOrder() throws(JSONSyntaxError) -> Bool {
        // How RecordEncoder starts every event line, taken in one comparison.
        if cursor.take(exactly: #""type":"event","schema":1,"#) {
            (fields.type, fields.schema) = (.event, 1)
            seen |= EventLineKey.type.bit | EventLineKey.schema.bit
            nextInOrder = 2
        }
        for (key, pattern) in EventLineKey.encoderOrder[nextInOrder...] {
            _ = cursor.peek()
            guard cursor.take(exactly: pattern) else { return true }
            nextInOrder += 1
            // The keys skipped here (boot_id, host) have plain strings, taken inline.
            if key == nil { try cursor.skipPlainStringOrValue() } else { try member(key) }
            guard try cursor.separator(closing: 0x7d) else { return false }
        }
        return true
    }

    /// The value of a member whose key is `key` (nil: one replay skips); a key given twice, and after a
    /// `type` that is not an event any key but `schema`, is only checked.
    @inline(__always)
    private mutating func member(_ key: EventLineKey?) throws(JSONSyntaxError) {
        guard let key, seen & key.bit == 0, fields.type != .other || key == .schema
        else { return try cursor.skipValue() }
        seen |= key.bit
        try read(key)
    }

    /// The next member's key, up to its colon: nil for keys replay skips.
    private mutating func key() throws(JSONSyntaxError) -> EventLineKey? {
        _ = cursor.peek()
        if nextInOrder < EventLineKey.encoderOrder.count {
            let (key, pattern) = EventLineKey.encoderOrder[nextInOrder]
            if cursor.take(exactly: pattern) {
                nextInOrder += 1
                return key
            }
        }
        let name = try cursor.string()
        try cursor.expect(0x3a, ":")
        return withText(name, EventLineKey.init)
    }

    private mutating func read(_ key: EventLineKey) throws(JSONSyntaxError) {
        switch key {
        case .type: try readType()
        case .schema: try readSchema()
        case .time:
            switch try string() {
            case .value(let token):
                let times = times  // captured alone: the method itself would capture a copy of the scanner
                fields.realtimeUsec = withText(token) { Self.realtimeUsec($0, times) }
            case .null: break
            case .mistyped: fields.noteMistyped("time")
            }
        case .seqnum: fields.seqnum = try integer(UInt64.self, "seqnum")
        case .monotonicUsec: fields.monotonicUsec = try integer(Int64.self, "monotonic_usec")
        case .action: fields.action = try text("action", UEventAction.init(bytes:))
        case .source: fields.source = try text("source", UEvent.Source.init(bytes:))
        case .devpath:
            switch try string() {
            case .value(let token): fields.devpath = JSONEscapes.string(token, in: cursor.bytes)
            case .null: break
            case .mistyped: fields.noteMistyped("devpath")
            }
        case .subsystem: fields.subsystem = try plainString("subsystem")
        case .driver: fields.driver = try plainString("driver")
        case .properties: try readProperties()
        case .escaped: try readEscaped()
        }
    }

    private mutating func readType() throws(JSONSyntaxError) {
        switch try string() {
        case .value(let token): fields.type = withText(token) { $0.equals("event") } ? .event : .other
        case .null: fields.type = .other
        case .mistyped:
            fields.typeMistyped = true
            fields.type = .other
        }
    }

    private mutating func readSchema() throws(JSONSyntaxError) {
        switch try number() {
        case .value(let token):
            fields.schema = token.integer(Int.self, in: cursor.bytes)
            if fields.schema == nil { fields.schemaMistyped = true }
        case .null: break
        case .mistyped: fields.schemaMistyped = true
        }
    }

    // MARK: - Values

    /// Inlined for the plain string nearly every value is; a call returning the enum cost more than the scan.
    @inline(__always)
    private mutating func string() throws(JSONSyntaxError) -> Value<JSONStringToken> {
        if let token = cursor.takePlainString() { return .value(token) }
        return try stringOrNull()
    }

    /// A string the general scan must read (escapes, bytes above 0x7f), null, or a value of another type.
    private mutating func stringOrNull() throws(JSONSyntaxError) -> Value<JSONStringToken> {
        switch cursor.peek() {
        case 0x22: return .value(try cursor.string())
        case 0x6e where cursor.takeLiteral("null"): return .null
        default:
            try cursor.skipValue()
            return .mistyped
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> Value<JSONNumberToken> {
        switch cursor.peek() {
        case 0x2d, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39: return .value(try cursor.number())
        case 0x6e where cursor.takeLiteral("null"): return .null
        default:
            try cursor.skipValue()
            return .mistyped
        }
    }

    private static func realtimeUsec(_ text: UnsafeRawBufferPointer, _ times: Unmanaged<RecordTimeText.SecondCache>?)
        -> Int64? {
        RecordTimeText.realtimeUsec(text, cache: times?.takeUnretainedValue())
    }

    /// A string field as a String; nil when null or mistyped (noted).
    private mutating func plainString(_ field: StaticString) throws(JSONSyntaxError) -> String? {
        switch try string() {
        case .value(let token): return JSONEscapes.string(token, in: cursor.bytes)
        case .null: return nil
        case .mistyped:
            fields.noteMistyped(field)
            return nil
        }
    }

    /// A string field read through `parse` from its (unescaped) bytes; nil when null or mistyped (noted).
    private mutating func text<T>(_ field: StaticString, _ parse: (UnsafeRawBufferPointer) -> T?) throws(JSONSyntaxError) -> T? {
        switch try string() {
        case .value(let token): return withText(token, parse)
        case .null: return nil
        case .mistyped:
            fields.noteMistyped(field)
            return nil
        }
    }

    /// An integer field; nil when null, and when mistyped or out of range (noted).
    private mutating func integer<T: FixedWidthInteger>(_: T.Type, _ field: StaticString) throws(JSONSyntaxError) -> T? {
        if let plain = cursor.takePlainInteger() {
            guard let value = T(exactly: plain) else {
                fields.noteMistyped(field)
                return nil
            }
            return value
        }
        switch try number() {
        case .value(let token):
            guard let value = token.integer(T.self, in: cursor.bytes) else {
                fields.noteMistyped(field)
                return nil
            }
            return value
        case .null: return nil
        case .mistyped:
            fields.noteMistyped(field)
            return nil
        }
    }

    /// The bytes a string token stands for: the line's own when it has no escapes.
    private func withText<T>(_ token: JSONStringToken, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        guard token.hasEscapes else { return body(UnsafeRawBufferPointer(rebasing: cursor.bytes[token.start..<token.end])) }
        var decoded = JSONEscapes.string(token, in: cursor.bytes)
        return decoded.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    // MARK: - Properties and escaped keys

    /// Where an object or array belongs: null stands for none, anything else is skipped and noted.
    private mutating func nullOrMistyped(_ field: StaticString) throws(JSONSyntaxError) {
        if cursor.peek() == 0x6e, cursor.takeLiteral("null") { return }
        try cursor.skipValue()
        fields.noteMistyped(field)
    }

    /// Members kept as tokens before the properties are built; a line with more takes the general path.
    private static let pendingProperties = 64

    private mutating func readProperties() throws(JSONSyntaxError) {
        guard cursor.peek() == 0x7b else { return try nullOrMistyped("properties") }
        try cursor.expect(0x7b, "{")
        // On the stack: the tokens' room is needed only until the properties are built.
        let failure = withUnsafeTemporaryAllocation(of: PropertyListBuilder.PlainMember.self,
                                                    capacity: Self.pendingProperties) { pending -> JSONSyntaxError? in
            var builder = PropertyListBuilder(pending: pending, selection: selection)
            do throws(JSONSyntaxError) {
                try readMembers(into: &builder)
            } catch {
                return error
            }
            fields.properties = builder.build(in: cursor.bytes)
            fields.propertiesMayLackTrackedOnes = builder.skippedUnplainName
            return nil
        }
        if let failure { throw failure }
    }

    private mutating func readMembers(into builder: inout PropertyListBuilder) throws(JSONSyntaxError) {
        if cursor.take(0x7d) { return }
        repeat {
            // RecordEncoder's members are plain: taken inline, the general scan only for the others.
            let name: JSONStringToken
            if let plain = cursor.takePlainString() { name = plain } else { name = try cursor.string() }
            try cursor.expect(0x3a, ":")
            let value: JSONStringToken
            if let plain = cursor.takePlainString() {
                value = plain
            } else {
                guard cursor.peek() == 0x22 else {
                    try cursor.skipValue(depth: 3)
                    fields.noteMistyped("properties")
                    continue
                }
                value = try cursor.string()
            }
            if builder.dropsAtOnce(name) { continue }
            builder.add(name: name, value: value, text: { JSONEscapes.string(value, in: cursor.bytes) },
                        in: cursor.bytes)
        } while try cursor.separator(closing: 0x7d)
    }

    private mutating func readEscaped() throws(JSONSyntaxError) {
        guard cursor.peek() == 0x5b else { return try nullOrMistyped("escaped") }
        try cursor.expect(0x5b, "[")
        if cursor.take(0x5d) { return }
        repeat {
            guard cursor.peek() == 0x22 else {
                try cursor.skipValue(depth: 3)
                fields.noteMistyped("escaped")
                continue
            }
            fields.escapedKeys.append(JSONEscapes.string(try cursor.string(), in: cursor.bytes))
        } while try cursor.separator(closing: 0x5d)
    }
}
