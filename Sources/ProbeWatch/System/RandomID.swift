import CSystemd

/// Random 128-bit identifiers, as `systemd-id128 new` makes them (libsystemd, from the kernel's CSPRNG).
enum RandomID {
    static func hex128() -> String {
        var id = sd_id128_t()
        guard sd_id128_randomize(&id) >= 0 else { return String(repeating: "0", count: 32) }
        var text = [CChar](repeating: 0, count: 33)
        sd_id128_to_string(id, &text)
        return String(decoding: text.prefix(32).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
