/// What a kernel log line says about one probe: the strongest evidence probewatch has, because uevents say
/// only when a probe ended in a bind, not when it started, failed or was deferred.
public struct ProbeEvidence: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// really_probe() started (dd.c, dynamic debug).
        case probing
        /// async_schedule() queued the probe (dd.c, dynamic debug).
        case asyncScheduled
        /// The probe returned (initcall_debug: `probe of X returned N after U usecs`).
        case returned(code: Int, usec: Int64)
        /// The driver refused the device (-ENODEV, -ENXIO): no error, just no match.
        case rejected(code: Int)
        /// The probe failed with an error.
        case failed(code: Int)
        /// -EPROBE_DEFER: it will be tried again when a supplier appears.
        case deferred(reason: String?)
        /// driver_bound() or really_probe() reported success.
        case bound
    }

    public var kind: Kind
    /// The device's kernel name (dev_name(), the last component of its DEVPATH).
    public var device: String
    public var driver: String?
    public var record: KmsgRecord

    /// -EPROBE_DEFER, which the kernel never lets reach userspace but prints.
    public static let probeDefer = -517

    /// Whether this explains a probe that never bound.
    public var explainsNoBind: Bool {
        switch kind {
        case .failed, .rejected, .deferred: true
        case .returned(let code, _): code != 0
        case .probing, .asyncScheduled, .bound: false
        }
    }

    /// The outcome a failed or deferred probe gets in its `probe` record; nil for other evidence.
    public var outcome: ProbeOutcome? {
        switch kind {
        case .failed(let code), .rejected(let code): code == Self.probeDefer ? .deferred : .failed
        case .deferred: .deferred
        case .returned(let code, _) where code == Self.probeDefer: .deferred
        case .returned(let code, _) where code != 0: .failed
        default: nil
        }
    }

    public var errorCode: Int? {
        switch kind {
        case .failed(let code), .rejected(let code), .returned(let code, _): code
        case .deferred: Self.probeDefer
        default: nil
        }
    }
}

/// How a probe ended, as far as uevents and the kernel log tell.
public enum ProbeOutcome: String, Sendable, Codable, CaseIterable {
    case bound, failed, deferred

    /// The raw value, laid out by the compiler: the JSON log writes one per probe.
    var literal: StaticString {
        switch self {
        case .bound: "bound"
        case .failed: "failed"
        case .deferred: "deferred"
        }
    }
}
