import Glibc
import ProbeWatchCore

/// An event's properties from the members of its JSON `properties` object: sorted by name, and of a name
/// given twice the first value kept, as the JSONDecoder dictionary replay used to read them into did.
///
/// RecordEncoder writes the names sorted and unique (libudev sorts them), so the common case appends as it
/// goes: an ASCII name whose bytes sort after the previous name's (for ASCII, bytes order as Strings do)
/// repeats none of them. From the first name that does not, all are collected and sorted as Strings once
/// at the end, so that canonically equivalent names count as one, as they did: n log n even for a
/// hostile line with tens of thousands of properties, where UEventProperties' setter would be quadratic.
///
/// While every name and value is plain ASCII in order, only their tokens are kept (in `pending`, space the
/// caller lends): `build()` then sizes the storage exactly and fills it in one allocation. The first
/// member that is not, or one more than `pending` holds, hands the tokens kept so far to the general path.
struct PropertyListBuilder {
    /// A plain member kept for later, as offsets in the line: 16 bytes, so that 64 of them fit the 1 KiB
    /// that `withUnsafeTemporaryAllocation` keeps on the stack (it takes more from the heap).
    struct PlainMember {
        var nameStart, nameEnd, valueStart, valueEnd: UInt32

        init?(name: JSONStringToken, value: JSONStringToken) {
            guard let nameStart = UInt32(exactly: name.start), let nameEnd = UInt32(exactly: name.end),
                  let valueStart = UInt32(exactly: value.start), let valueEnd = UInt32(exactly: value.end)
            else { return nil }
            (self.nameStart, self.nameEnd, self.valueStart, self.valueEnd) = (nameStart, nameEnd, valueStart, valueEnd)
        }

        var storageBytes: Int {
            UEventProperties.storageBytes(nameCount: Int(nameEnd - nameStart), valueCount: Int(valueEnd - valueStart))
        }

        func name(in bytes: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
            PropertyListBuilder.bytes(from: Int(nameStart), to: Int(nameEnd), in: bytes)
        }

        func value(in bytes: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
            PropertyListBuilder.bytes(from: Int(valueStart), to: Int(valueEnd), in: bytes)
        }
    }

    /// Which members become properties.
    enum Selection {
        case all
        /// Only `UEvent.propertiesReadByTracker`, the first of each: for events no record will show.
        case readByTracker
    }

    private var properties = UEventProperties()
    private var previousName: JSONStringToken?
    private var unordered: [(name: String, value: String)]?
    private let pending: UnsafeMutableBufferPointer<PlainMember>
    private var pendingCount = 0
    /// The plain ASCII members are still only in `pending`.
    private var tokensOnly = true
    private let selection: Selection
    /// Which of `UEvent.propertiesReadByTracker` were taken, one bit each.
    private var trackerNamesTaken: UInt8 = 0
    /// A name that is not plain ASCII was skipped: it might equal a wanted one as a String, so a selection
    /// is not known to be complete.
    private(set) var skippedUnplainName = false
    /// `trackerNameLengths`, read once: each read of the static checked its lazy initialization, a call
    /// per member.
    private let trackerNameLengths = Self.trackerNameLengths

    init(pending: UnsafeMutableBufferPointer<PlainMember>, selection: Selection = .all) {
        self.pending = pending
        self.selection = selection
    }

    /// Whether `add` would drop the member at once without noting anything: a plain name that no property
    /// the tracker reads has the length of, as most names of most events under `.readByTracker`. Told
    /// where the members are read, without the calls into `add`.
    @inline(__always)
    func dropsAtOnce(_ name: JSONStringToken) -> Bool {
        selection == .readByTracker && name.isASCII && !name.hasEscapes
            && (name.count >= 64 || trackerNameLengths & 1 << UInt64(name.count) == 0)
    }

    /// `text` makes the value's String, for the cases that need one: a plain ASCII value is copied as bytes.
    mutating func add(name: JSONStringToken, value: JSONStringToken, text: () -> String, in bytes: UnsafeRawBufferPointer) {
        if selection == .readByTracker, !takesReadByTracker(name, in: bytes) { return }
        let inOrder = unordered == nil && name.isASCII && !name.hasEscapes && Self.sorts(name, after: previousName, in: bytes)
        if tokensOnly {
            if inOrder, value.isASCII, !value.hasEscapes, pendingCount < pending.count,
               let member = PlainMember(name: name, value: value) {
                pending[pendingCount] = member
                pendingCount += 1
                previousName = name
                return
            }
            appendPending(in: bytes)
        }
        if inOrder {
            if value.isASCII, !value.hasEscapes {
                properties.appendUnique(utf8Name: Self.bytes(of: name, in: bytes), value: Self.bytes(of: value, in: bytes))
            } else {
                properties.appendUnique(JSONEscapes.string(name, in: bytes), text())
            }
            previousName = name
            return
        }
        if unordered == nil { unordered = properties.map { (name: $0.name, value: $0.value) } }
        unordered?.append((name: JSONEscapes.string(name, in: bytes), value: text()))
    }

    /// Leaves the token path: what it kept becomes properties, as the general path would have made them.
    private mutating func appendPending(in bytes: UnsafeRawBufferPointer) {
        tokensOnly = false
        properties.reserveCapacity(bytes: max(512, pending[..<pendingCount].reduce(0) { $0 + $1.storageBytes }))
        for member in pending[..<pendingCount] {
            properties.appendUnique(utf8Name: member.name(in: bytes), value: member.value(in: bytes))
        }
    }

    /// Bit n is set when one of the names has n bytes (all are shorter than 64).
    private static let trackerNameLengths = UEvent.propertiesReadByTracker.reduce(UInt64(0)) {
        $0 | 1 << UInt64($1.utf8CodeUnitCount)
    }

    /// Whether the member named `name` is the first of a name the tracker reads.
    private mutating func takesReadByTracker(_ name: JSONStringToken, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard name.isASCII, !name.hasEscapes else {
            skippedUnplainName = true
            return false
        }
        // By length first: nearly every name is none of them.
        guard name.count < 64, trackerNameLengths & 1 << UInt64(name.count) != 0 else { return false }
        let text = UnsafeRawBufferPointer(rebasing: bytes[name.start..<name.end])
        for (offset, wanted) in UEvent.propertiesReadByTracker.enumerated() where text.equals(wanted) {
            let bit: UInt8 = 1 << offset
            defer { trackerNamesTaken |= bit }
            return trackerNamesTaken & bit == 0
        }
        return false
    }

    private static func bytes(of token: JSONStringToken, in bytes: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
        Self.bytes(from: token.start, to: token.end, in: bytes)
    }

    fileprivate static func bytes(from start: Int, to end: Int, in bytes: UnsafeRawBufferPointer) -> UnsafeBufferPointer<UInt8> {
        UnsafeRawBufferPointer(rebasing: bytes[start..<end]).assumingMemoryBound(to: UInt8.self)
    }

    /// `bytes` must be the line the tokens were read from.
    func build(in bytes: UnsafeRawBufferPointer) -> UEventProperties {
        if tokensOnly {
            let members = pending[..<pendingCount]
            if members.isEmpty { return UEventProperties() }  // no allocation for an event without any kept
            // Plain members are ASCII strings without escapes, so without bytes JSON escapes: the log copies them.
            return UEventProperties(utf8ByteCount: members.reduce(0) { $0 + $1.storageBytes }, plainASCII: true) { builder in
                for member in members { builder.append(utf8Name: member.name(in: bytes), value: member.value(in: bytes)) }
            }
        }
        guard let unordered else { return properties }
        // By name, then by position: of equal names the first comes first and is the one kept.
        let sorted = unordered.enumerated().sorted { lhs, rhs in
            lhs.element.name < rhs.element.name || (lhs.element.name == rhs.element.name && lhs.offset < rhs.offset)
        }
        var result = UEventProperties()
        var previous: String?
        for (_, property) in sorted where property.name != previous {
            result.appendUnique(property.name, property.value)
            previous = property.name
        }
        return result
    }

    private static func sorts(_ name: JSONStringToken, after previous: JSONStringToken?, in bytes: UnsafeRawBufferPointer) -> Bool {
        guard let previous, let base = bytes.baseAddress else { return true }
        let order = memcmp(base + name.start, base + previous.start, min(name.count, previous.count))
        return order > 0 || (order == 0 && name.count > previous.count)
    }
}
