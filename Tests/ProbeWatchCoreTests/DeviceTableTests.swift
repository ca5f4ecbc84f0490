import Testing
@testable import ProbeWatchCore

/// The tracker's devices are keyed by DEVPATH with its hash kept: keys must still be told apart by their
/// paths, and paths with the same bytes must find one device.
@Suite("Device keys and the device table")
struct DeviceTableTests {
    func device(_ devpath: String) -> DeviceState {
        DeviceState(devpath: devpath, subsystem: "pci", modalias: nil)
    }

    @Test func pathsWhoseHashesCollideAreStillDifferentKeys() {
        let one = DeviceKey("/devices/a", hash: 42)
        let other = DeviceKey("/devices/b", hash: 42)
        #expect(one != other)
        #expect(one == DeviceKey("/devices/a", hash: 42))
        var byKey: [DeviceKey: Int] = [one: 1, other: 2]
        #expect(byKey.count == 2 && byKey[one] == 1 && byKey[other] == 2)
        byKey[DeviceKey("/devices/a", hash: 42)] = 3
        #expect(byKey.count == 2 && byKey[one] == 3)
    }

    /// Two directories in sysfs, though String's `==` calls their names equal.
    @Test func canonicallyEqualPathsWithOtherBytesAreTwoDevices() {
        var table = DeviceTable()
        table["/devices/caf\u{e9}"] = device("/devices/caf\u{e9}")
        #expect(table["/devices/cafe\u{301}"] == nil)
        table["/devices/cafe\u{301}"] = device("/devices/cafe\u{301}")
        #expect(table.count == 2)
        #expect(table["/devices/caf\u{e9}"]?.devpath.utf8.count == 14)
        #expect(table["/devices/cafe\u{301}"]?.devpath.utf8.count == 15)
        table["/devices/K"] = device("/devices/K")
        #expect("/devices/\u{212A}" == "/devices/K")  // KELVIN SIGN, as String compares it
        #expect(table["/devices/\u{212A}"] == nil && table["/devices/K"] != nil)
    }

    /// Every length around the word size, and a difference in every byte: the hash and the comparison
    /// read whole words and a partial last one.
    @Test func pathsOfEveryLengthAreFoundAndToldApart() {
        let paths = (0...40).map { String(repeating: "d", count: $0) } + (0..<24).map { position in
            String((0..<24).map { $0 == position ? Character("e") : Character("d") })
        }
        var table = DeviceTable()
        for path in paths { table[path] = device(path) }
        #expect(table.count == Set(paths).count)
        for path in paths {
            #expect(table[path]?.devpath == path)
            #expect(DeviceKey(path) == DeviceKey(String(decoding: Array(path.utf8), as: UTF8.self)))
        }
        #expect(UTF8Bytes.hash("/devices/a") == UTF8Bytes.hash(String("/devices/ab".dropLast())))
        #expect(!UTF8Bytes.equal("/devices/virtual/pwtest/d1", "/devices/virtual/pwtest/d2"))
        #expect(!UTF8Bytes.equal("/devices/a", "/devices/a "))
    }

    @Test func theTableReadsWritesAndRemovesByPath() {
        var table = DeviceTable()
        let paths = (0..<1000).map { "/devices/virtual/pwtest/d\($0)" }
        for path in paths { table[path] = device(path) }
        #expect(table.count == 1000)
        #expect(paths.allSatisfy { table[$0]?.devpath == $0 })
        table["/devices/virtual/pwtest/d7"]?.removed = true
        #expect(table["/devices/virtual/pwtest/d7"]?.removed == true)
        #expect(table.removeValue(forKey: "/devices/virtual/pwtest/d7")?.devpath == "/devices/virtual/pwtest/d7")
        #expect(table["/devices/virtual/pwtest/d7"] == nil && table.count == 999)
        #expect(Set(table.map(\.key)) == Set(paths).subtracting(["/devices/virtual/pwtest/d7"]))
        let index = table.index(forKey: "/devices/virtual/pwtest/d8")!
        #expect(table.devpath(at: index) == "/devices/virtual/pwtest/d8")
        #expect(table.key(at: index) == DeviceKey("/devices/virtual/pwtest/d8"))
    }
}
