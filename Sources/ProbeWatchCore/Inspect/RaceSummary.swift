/// The findings of a log, counted per kind and per driver, for `probewatch races`.
public struct RaceSummary: Sendable, Equatable, Encodable {
    public struct Count: Sendable, Equatable, Encodable {
        public var name: String
        public var count: Int
    }

    public var byKind: [Count]
    /// Keyed `bus/driver`; findings with no driver (an `unbind-without-bind` of a device never bound)
    /// count under `bus/-`.
    public var byDriver: [Count]
    public var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case findings
        case byKind = "by_kind"
        case byDriver = "by_driver"
    }

    public init(_ index: InspectionIndex, kind: FindingKind? = nil) {
        findings = index.findings.filter { kind == nil || $0.kind == kind }
        byKind = Self.counts(findings.map(\.kind.rawValue))
        byDriver = Self.counts(findings.map { "\($0.bus)/\($0.driver.isEmpty ? "-" : $0.driver)" })
    }

    /// Most frequent first, then by name.
    private static func counts(_ names: [String]) -> [Count] {
        Dictionary(names.map { ($0, 1) }, uniquingKeysWith: +).map { Count(name: $0.key, count: $0.value) }
            .sorted { ($1.count, $0.name) < ($0.count, $1.name) }
    }
}

extension Finding: Encodable {
    enum CodingKeys: String, CodingKey {
        case kind, devpath, driver, bus, module, seqnums, message, severity
        case windowUsec = "window_usec"
        case realtimeUsec = "realtime_usec"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        try container.encode(devpath, forKey: .devpath)
        try container.encode(driver, forKey: .driver)
        try container.encode(bus, forKey: .bus)
        try container.encode(module, forKey: .module)
        try container.encode(seqnums, forKey: .seqnums)
        try container.encode(windowUsec, forKey: .windowUsec)
        try container.encode(message, forKey: .message)
        try container.encode(severity, forKey: .severity)
        try container.encode(realtimeUsec, forKey: .realtimeUsec)
    }
}
