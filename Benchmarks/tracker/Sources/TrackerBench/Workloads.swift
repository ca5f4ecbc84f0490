import ProbeWatchCore

/// Synthetic uevent streams shaped like the live storm and the replay benchmark's log. Every string is
/// built per event, as the decoders do, so no event shares storage with the tracker's keys.
struct EventStream {
    private(set) var events: [UEvent] = []
    private var seqnum: UInt64 = 1000
    private var monotonic: Int64 = 50_000_000
    private let realtimeBase: Int64 = 1_795_000_000_000_000

    mutating func append(_ action: UEventAction, _ devpath: String, subsystem: String, driver: String? = nil,
                         extra: [(String, String)] = [], stepUsec: Int64) {
        seqnum += 1
        monotonic += stepUsec
        var properties = UEventProperties()
        properties.appendUnique("ACTION", action.rawValue)
        properties.appendUnique("DEVPATH", devpath)
        properties.appendUnique("SUBSYSTEM", subsystem)
        for (name, value) in extra { properties.appendUnique(name, value) }
        properties.appendUnique("SEQNUM", "\(seqnum)")
        events.append(UEvent(
            action: action, devpath: devpath, subsystem: subsystem, driver: driver, seqnum: seqnum,
            properties: properties, source: .kernel,
            received: EventTime(realtimeUsec: realtimeBase + monotonic, monotonicUsec: monotonic)))
    }
}

/// `uevent_storm -m probe`: one driver, then add/bind/unbind/remove cycles over `pool` devices.
func liveProbeMix(events count: Int, pool: Int = 256) -> [UEvent] {
    var stream = EventStream()
    stream.append(.add, "/bus/pwbus/drivers/pwdrv", subsystem: "drivers", stepUsec: 3)
    for i in 1..<count {
        let cycle = (i - 1) / 4
        let devpath = "/devices/virtual/pwbench/d\(cycle % pool)"
        let index = ("PWBENCH_INDEX", "\(i)")
        switch (i - 1) % 4 {
        case 0: stream.append(.add, devpath, subsystem: "pwbus", extra: [("MODALIAS", "pwbus:v0001d0002"), index],
                              stepUsec: 3)
        case 1: stream.append(.bind, devpath, subsystem: "pwbus", driver: "pwdrv",
                              extra: [("DRIVER", "pwdrv"), index], stepUsec: 3)
        case 2: stream.append(.unbind, devpath, subsystem: "pwbus", extra: [index], stepUsec: 3)
        default: stream.append(.remove, devpath, subsystem: "pwbus",
                               extra: [("MODALIAS", "pwbus:v0001d0002"), index], stepUsec: 3)
        }
    }
    return stream.events
}

/// `bench_replay.py`'s generator: 4 buses with one driver each, 4096 devices, 64 in flight, each walking
/// add, bind, unbind, remove in random interleaving; a driver is removed and added again every 25,000 events.
func replayMix(events count: Int, pool: Int = 4096, inFlight: Int = 64, seed: UInt64 = 1) -> [UEvent] {
    let buses = [("pci", "pwnic"), ("usb", "pwhid"), ("platform", "pwgpio"), ("i2c", "pwsensor")]
    var rng = SplitMix64(state: seed)
    var stream = EventStream()
    func step() -> Int64 { Int64(rng.next(below: 380)) + 20 }
    func driverEvent(_ action: UEventAction, _ bus: String, _ driver: String) {
        stream.append(action, "/bus/\(bus)/drivers/\(driver)", subsystem: "drivers", stepUsec: step())
    }
    for (bus, driver) in buses { driverEvent(.add, bus, driver) }
    var free = Array(0..<pool)
    var stepOf: [Int: Int] = [:]
    var inFlightOrder: [Int] = []
    var n = buses.count
    var nextBounce = 25_000
    while n < count {
        if n >= nextBounce, count - n >= 2 {
            let (bus, driver) = buses[Int(rng.next(below: UInt64(buses.count)))]
            driverEvent(.remove, bus, driver)
            driverEvent(.add, bus, driver)
            n += 2
            nextBounce += 25_000
            continue
        }
        if inFlightOrder.count < inFlight, let d = free.popLast() {
            stepOf[d] = 0
            inFlightOrder.append(d)
        }
        let slot = Int(rng.next(below: UInt64(inFlightOrder.count)))
        let d = inFlightOrder[slot]
        let (bus, driver) = buses[d % buses.count]
        let devpath = "/devices/pwbench/\(bus)\(hex(d / 256, 4))/\(bus)\(hex(d / 256, 4)):\(hex(d % 256, 2))"
        let modalias = ("MODALIAS", "\(bus):v\(hex(0x8086 + d % 4, 4, upper: true))d\(hex(d % 4096, 4, upper: true))sv0000sd0000bc02sc00i00")
        let devtype = ("DEVTYPE", "pwbench")
        switch stepOf[d]! {
        case 0: stream.append(.add, devpath, subsystem: bus, extra: [devtype, modalias], stepUsec: step())
        case 1: stream.append(.bind, devpath, subsystem: bus, driver: driver, extra: [("DRIVER", driver)],
                              stepUsec: step())
        case 2: stream.append(.unbind, devpath, subsystem: bus, stepUsec: step())
        default: stream.append(.remove, devpath, subsystem: bus, extra: [devtype, modalias], stepUsec: step())
        }
        n += 1
        if stepOf[d]! == 3 {
            stepOf[d] = nil
            inFlightOrder.remove(at: slot)
            free.insert(d, at: 0)
        } else {
            stepOf[d]! += 1
        }
    }
    return stream.events
}

private func hex(_ value: Int, _ width: Int, upper: Bool = false) -> String {
    let digits = String(value, radix: 16, uppercase: upper)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

/// Deterministic, so every build sees the same stream.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: UInt64) -> UInt64 { next() % bound }
}
