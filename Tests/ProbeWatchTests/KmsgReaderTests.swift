import Foundation
import Glibc
import Logging
import Testing
@testable import ProbeWatch
import ProbeWatchCore

@Suite("Kernel log read from a FIFO")
struct KmsgReaderTests {
    /// A FIFO delivers whatever the writer wrote so far: here a read ends inside "ä" (0xc3 0xa4).
    @Test func aCharacterSplitAcrossReadsStaysWhole() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kmsg-fifo-\(getpid())").path
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let reader = try KmsgReader(path: path, logger: Logger(label: "test"))
        let writer = open(path, O_WRONLY | O_NONBLOCK)
        #expect(writer >= 0)
        defer { close(writer) }
        let record = Array("6,1,100,-;probe of gerät returned 0 after 5 usecs\n6,2,200,-;next\n".utf8)
        let split = record.firstIndex(of: 0xc3)! + 1
        var records = try write(record[..<split], to: writer, andRead: reader)
        #expect(records.isEmpty)
        records = try write(record[split...], to: writer, andRead: reader)
        #expect(records.map(\.text) == ["probe of gerät returned 0 after 5 usecs", "next"])
    }

    /// A read can also end inside a record's ` KEY=` continuation lines: the record waits for them.
    @Test(arguments: [" ", " DEV", " DEVICE=+pci:0000:00:1f.3\n SUB"])
    func aRecordWaitsForContinuationLinesCutByARead(cutAfter: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("kmsg-fifo-c-\(getpid())").path
        unlink(path)
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let reader = try KmsgReader(path: path, logger: Logger(label: "test"))
        let writer = open(path, O_WRONLY | O_NONBLOCK)
        defer { close(writer) }
        let head = "3,7,100,-;pwtest 0000:00:1f.3: probe with driver pwtest failed with error -12\n"
        let whole = Array((head + " DEVICE=+pci:0000:00:1f.3\n SUBSYSTEM=pci\n6,8,200,-;next\n").utf8)
        let split = head.utf8.count + cutAfter.utf8.count
        var records = try write(whole[..<split], to: writer, andRead: reader)
        records += try write(whole[split...], to: writer, andRead: reader)
        #expect(records.map(\.device) == ["+pci:0000:00:1f.3", nil])
        #expect(records.map(\.subsystem) == ["pci", nil])
    }

    private func write(_ bytes: ArraySlice<UInt8>, to fd: Int32, andRead reader: KmsgReader) throws -> [KmsgRecord] {
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        #expect(written == bytes.count)
        return reader.read()
    }
}
