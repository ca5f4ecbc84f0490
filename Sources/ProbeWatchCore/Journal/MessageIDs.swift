/// journald MESSAGE_IDs, one per kind of entry, generated once with `systemd-id128 new`. They are API:
/// users match on them (`journalctl MESSAGE_ID=…`) and `systemd/probewatch.catalog` explains each one,
/// so they never change. A test checks that the catalog has an entry for every id here.
public enum MessageIDs {
    public static func race(_ kind: FindingKind) -> String {
        switch kind {
        case .driverRemovedBeforeBind: "fa2f3448f73c45268b5ac6beb8ec3202"
        case .bindAfterDriverRemoved: "e8c8b63592014736bb41674519983bf4"
        case .deviceRemovedBeforeBind: "d803fd7974a34f419414f2e7c9355db4"
        case .doubleBind: "fca1cee222ac4237bce992df05c88072"
        case .unbindWithoutBind: "94a33e24f6094e2ba2fdddf296b53620"
        case .probeStalled: "a0b164a09d7f4a36966e4b728524e8d7"
        }
    }

    /// The kernel dropped uevents (ENOBUFS).
    public static let lost = "dd17c7b144c74edcb024dd0116682b90"
    /// A probe completed with a bind.
    public static let probe = "35b2e5c0d9b44233841ec50d998b166e"
    /// probewatch's own rate limit held entries back; the JSON log has them.
    public static let suppressed = "f91d46f12abf4c2db17ce68c6aa43060"

    public static var all: [String] { FindingKind.allCases.map(race) + [lost, probe, suppressed] }
}
