/// The driver core's probe messages (drivers/base/dd.c), old and new wording. `{owner} {device}: ` is the
/// dev_printk() prefix: the driver's (or bus's) name and the device's. The most specific come first.
enum KmsgProbeLines {
    typealias Classify = @Sendable ([String: Substring]) -> ProbeEvidence.Kind?

    static let patterns: [(LinePattern, Classify)] = [
        // initcall_debug, printed at KERN_DEBUG whatever dynamic debug says.
        (LinePattern("probe of {device} returned {code} after {usec} usecs"), { fields in
            guard let code = int(fields["code"]), let usec = Int64(fields["usec"] ?? "") else { return nil }
            // Since 5.14 really_probe() hands errors up positive (`returned 517`); older kernels negative.
            return .returned(code: code == .min ? code : -abs(code), usec: usec)
        }),
        (LinePattern("{owner} {device}: probe with driver {driver} failed with error {code}"), failed),
        (LinePattern("{driver}: probe of {device} failed with error {code}"), failed),
        (LinePattern("{owner} {device}: probe with driver {driver} rejects match {code}"), rejected),
        (LinePattern("{driver}: probe of {device} rejects match {code}"), rejected),
        (LinePattern("{owner} {device}: Driver {driver} requests probe deferral"), { _ in .deferred(reason: nil) }),
        (LinePattern("{owner} {device}: deferred probe pending: {reason}"), { .deferred(reason: $0["reason"].map(String.init)) }),
        (LinePattern("{owner} {device}: deferred probe pending"), { _ in .deferred(reason: nil) }),
        // Dynamic debug of dd.c: `dyndbg="file drivers/base/dd.c +p"`.
        (LinePattern("{owner} {device}: bus: '{bus}': really_probe: probing driver {driver} with device"), { _ in .probing }),
        (LinePattern("bus: '{bus}': really_probe: probing driver {driver} with device {device}"), { _ in .probing }),
        (LinePattern("{owner} {device}: scheduling asynchronous probe"), { _ in .asyncScheduled }),
        (LinePattern("{owner} {device}: driver: '{driver}': driver_bound: bound to device"), { _ in .bound }),
        (LinePattern("driver: '{driver}': driver_bound: bound to device '{device}'"), { _ in .bound }),
        (LinePattern("{owner} {device}: bus: '{bus}': really_probe: bound device to driver {driver}"), { _ in .bound }),
        (LinePattern("bus: '{bus}': really_probe: bound device {device} to driver {driver}"), { _ in .bound }),
    ]

    private static let failed: Classify = { fields in int(fields["code"]).map { .failed(code: $0) } }
    private static let rejected: Classify = { fields in int(fields["code"]).map { .rejected(code: $0) } }

    /// printk's `%d`: a C int, so nothing outside Int32 is a kernel line.
    private static func int(_ text: Substring?) -> Int? { text.flatMap { Int32($0) }.map(Int.init) }
}

extension ProbeEvidence {
    /// The evidence a kernel log record holds about a probe, or nil when it is about something else.
    public init?(_ record: KmsgRecord) {
        let text = Substring(record.text)
        for (pattern, classify) in KmsgProbeLines.patterns {
            guard let fields = pattern.match(text), let kind = classify(fields),
                  let device = record.deviceName ?? fields["device"].map(String.init)
            else { continue }
            self.init(kind: kind, device: device, driver: fields["driver"].map(String.init), record: record)
            return
        }
        return nil
    }
}
