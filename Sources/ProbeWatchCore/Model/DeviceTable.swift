/// A device's DEVPATH as a dictionary key, hashed once when made. A lookup in a `[String: _]` hashed the
/// whole path, then compared it as a String with every key its probe sequence passed, each fetched from
/// memory; with the hash kept, keys that differ are told apart by it. Paths are hashed and compared by
/// their bytes, as the kernel names devices (see `UTF8Bytes`).
struct DeviceKey: Hashable, Sendable {
    let devpath: String
    /// Equal paths have equal ones.
    private let hash: Int

    init(_ devpath: String) {
        self.init(devpath, hash: UTF8Bytes.hash(devpath))
    }

    /// With a hash given: the tests make two paths collide with it.
    init(_ devpath: String, hash: Int) {
        self.devpath = devpath
        self.hash = hash
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    /// Dictionary hashes the key of every lookup afresh, through a whole Hasher by default (a third of a
    /// lookup). `_rawHashValue(seed:)` is the requirement through which the standard library's integers
    /// hand it a word instead; the kept hash needs only to be mixed with the table's seed.
    func _rawHashValue(seed: Int) -> Int {
        UTF8Bytes.mixed(hash, seed: seed)
    }

    @inline(__always)
    static func == (lhs: DeviceKey, rhs: DeviceKey) -> Bool {
        lhs.hash == rhs.hash && UTF8Bytes.equal(lhs.devpath, rhs.devpath)
    }
}

/// The tracker's devices by DEVPATH: a dictionary keyed by `DeviceKey`, read and written by path.
public struct DeviceTable: Sendable, Sequence {
    typealias Storage = [DeviceKey: DeviceState]
    typealias Index = Storage.Index

    private(set) var storage: Storage = [:]

    public init() {}

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.isEmpty }

    public subscript(devpath: String) -> DeviceState? {
        get { storage[DeviceKey(devpath)] }
        set { storage[DeviceKey(devpath)] = newValue }
        _modify { yield &storage[DeviceKey(devpath)] }
    }

    subscript(key: DeviceKey) -> DeviceState? {
        get { storage[key] }
        set { storage[key] = newValue }
        _modify { yield &storage[key] }
    }

    func index(forKey devpath: String) -> Index? { storage.index(forKey: DeviceKey(devpath)) }
    func index(forKey key: DeviceKey) -> Index? { storage.index(forKey: key) }

    var values: Storage.Values {
        get { storage.values }
        _modify { yield &storage.values }
    }

    func devpath(at index: Index) -> String { storage.keys[index].devpath }
    func key(at index: Index) -> DeviceKey { storage.keys[index] }

    var startIndex: Index { storage.startIndex }
    var endIndex: Index { storage.endIndex }
    func formIndex(after index: inout Index) { storage.formIndex(after: &index) }

    mutating func remove(at index: Index) { storage.remove(at: index) }
    mutating func removeValue(forKey devpath: String) -> DeviceState? { storage.removeValue(forKey: DeviceKey(devpath)) }
    mutating func reserveCapacity(_ capacity: Int) { storage.reserveCapacity(capacity) }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: DeviceState)> {
        storage.lazy.map { (key: $0.key.devpath, value: $0.value) }.makeIterator()
    }
}
