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
        let fifo = try KernelLogFIFO()
        let record = Array("6,1,100,-;probe of gerät returned 0 after 5 usecs\n6,2,200,-;next\n".utf8)
        let split = record.firstIndex(of: 0xc3)! + 1
        #expect(fifo.send(record[..<split]).isEmpty)
        #expect(fifo.send(record[split...]).map(\.text) == ["probe of gerät returned 0 after 5 usecs", "next"])
    }

    /// A read can also end inside a record's ` KEY=` continuation lines: the record waits for them.
    @Test(arguments: [" ", " DEV", " DEVICE=+pci:0000:00:1f.3\n SUB"])
    func aRecordWaitsForContinuationLinesCutByARead(cutAfter: String) throws {
        let fifo = try KernelLogFIFO()
        let head = "3,7,100,-;pwtest 0000:00:1f.3: probe with driver pwtest failed with error -12\n"
        let whole = Array((head + " DEVICE=+pci:0000:00:1f.3\n SUBSYSTEM=pci\n6,8,200,-;next\n").utf8)
        let split = head.utf8.count + cutAfter.utf8.count
        let records = fifo.send(whole[..<split]) + fifo.send(whole[split...])
        #expect(records.map(\.device) == ["+pci:0000:00:1f.3", nil])
        #expect(records.map(\.subsystem) == ["pci", nil])
    }
}

/// A FIFO of its own (test arguments run in parallel), read by a KmsgReader, written by the test.
private final class KernelLogFIFO {
    private let directory: String
    private let reader: KmsgReader
    private let writer: Int32

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/kmsg-fifo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw SystemError("mkdtemp") }
        directory = String(cString: made)
        let path = directory + "/kmsg"
        guard mkfifo(path, 0o600) == 0 else { throw SystemError("mkfifo") }
        reader = try KmsgReader(path: path, logger: Logger(label: "test"))
        writer = open(path, O_WRONLY | O_NONBLOCK)
        guard writer >= 0 else { throw SystemError("open \(path)") }
    }

    deinit {
        close(writer)
        unlink(directory + "/kmsg")
        rmdir(directory)
    }

    /// Writes the bytes, then returns what one read of the reader gives.
    func send(_ bytes: ArraySlice<UInt8>) -> [KmsgRecord] {
        let written = bytes.withUnsafeBytes { Glibc.write(writer, $0.baseAddress, $0.count) }
        #expect(written == bytes.count)
        return reader.read()
    }
}
