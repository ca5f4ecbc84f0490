/// A uevent's KEY=VALUE pairs in the order the kernel sent them. A short array, not a dictionary:
/// uevents carry a handful of keys, and hashing each one per event costs more than scanning them.
public struct UEventProperties: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    private var items: [Property] = []

    public init() {}

    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    public init(_ pairs: some Sequence<(String, String)>) {
        for (name, value) in pairs { self[name] = value }
    }

    public subscript(name: String) -> String? {
        get { items.first { $0.name == name }?.value }
        set {
            let index = items.firstIndex { $0.name == name }
            switch (index, newValue) {
            case (let index?, let value?): items[index].value = value
            case (let index?, nil): items.remove(at: index)
            case (nil, let value?): items.append(Property(name: name, value: value))
            case (nil, nil): break
            }
        }
    }

    /// Appends without looking for an earlier key: for sources that cannot repeat keys (libudev).
    public mutating func appendUnique(_ name: String, _ value: String) {
        items.append(Property(name: name, value: value))
    }

    public var count: Int { items.count }
    public var names: [String] { items.map(\.name) }
    public func makeIterator() -> IndexingIterator<[Property]> { items.makeIterator() }
}

extension UEventProperties: Equatable {
    /// Order does not matter: a replayed JSON object does not keep it.
    public static func == (lhs: UEventProperties, rhs: UEventProperties) -> Bool {
        lhs.count == rhs.count && lhs.allSatisfy { rhs[$0.name] == $0.value }
    }
}
