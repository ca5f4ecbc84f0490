import Testing
@testable import ProbeWatch
import ProbeWatchCore

@Suite("Console lines")
struct ConsoleSinkTests {
    /// Probe lines are written from bytes on the hot path; they must read exactly as `describe` says.
    @Test(arguments: [nil, 999, 1_500, 2_345_678] as [Int64?])
    func aProbeLineFromBytesReadsAsDescribed(latency: Int64?) throws {
        let probe = ProbeCompletion(devpath: "/devices/pwtest/dév1", driver: "pwtest_async", bus: "pwtest",
                                    module: nil, mode: .async, latencyUsec: latency, seqnums: [1, 2], realtimeUsec: nil)
        var bytes: [UInt8] = []
        ConsoleSink.appendProbeLine(probe, to: &bytes)
        let described = try #require(ConsoleSink.describe(.probe(probe), showEvents: false))
        #expect(String(decoding: bytes, as: UTF8.self) == described)
    }
}
