/// What probewatch concluded at one point of a timeline, kept as data: the tracker writes a note on most
/// events and people read few of them, so the text is built only when it is read.
enum TimelineNote: Sendable {
    case text(String)
    /// "probe pending by DRIVER": the device's `add` started a probe.
    case probePendingBy(driver: String)
    /// "removed before bind by DRIVER".
    case removedBeforeBind(driver: String)
    /// "MODE bind", and "LATENCY after probe became pending" when the probe's start is known.
    case bind(mode: ProbeMode, latencyUsec: Int64?)

    var text: String {
        switch self {
        case .text(let text): text
        case .probePendingBy(let driver): "probe pending by \(driver)"
        case .removedBeforeBind(let driver): "removed before bind by \(driver)"
        case .bind(let mode, let latency?):
            "\(mode.rawValue) bind \(TimeSpan.describe(usec: latency)) after probe became pending"
        case .bind(let mode, nil): "\(mode.rawValue) bind"
        }
    }

    /// A second conclusion about the same event: "first; second".
    func appending(_ other: TimelineNote) -> TimelineNote {
        .text(text + "; " + other.text)
    }
}
