import Foundation
import Testing
@testable import ProbeWatch

@Suite("debugfs devices_deferred")
struct DeferredListTests {
    @Test func namesAndReasonsAreReadAndAMissingListIsEmpty() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("devices_deferred-\(getpid())").path
        try "regulator-x\twaiting for supplier vin\nspi0.0\t\nbare\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let deferred = SysfsSnapshot.deferredDevices(path: path)
        #expect(deferred.map(\.device) == ["regulator-x", "spi0.0", "bare"])
        #expect(deferred.map(\.reason) == ["waiting for supplier vin", "", ""])
        #expect(SysfsSnapshot.deferredDevices(path: path + ".missing").isEmpty)
    }
}
