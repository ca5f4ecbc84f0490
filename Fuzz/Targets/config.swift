// Fuzz target: probewatch.conf and its drop-ins (systemd's syntax).
//
// Input: the file's bytes; like ConfigLoader, anything that is not UTF-8 is refused before parsing.
// ConfigFile.parse, then Settings.apply onto the defaults. Checks: apply is all or nothing (on an error
// the settings are unchanged), applying the same file twice changes nothing, and the effective settings
// round-trip: rendered() parses and applies without an error, to equal settings, and renders the same.
import ProbeWatchCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let text = String(validating: fuzzInput(data, size), as: UTF8.self) else { return 0 }
    let file: ConfigFile
    do {
        file = try ConfigFile.parse(text, path: "/etc/probewatch/probewatch.conf")
    } catch {
        require(!error.description.isEmpty, "empty error description")
        return 0
    }
    var settings = Settings()
    do {
        try settings.apply(file)
    } catch {
        require(settings == Settings(), "a failed apply changed the settings")
        require(error.line != nil && error.key != nil, "an apply error without line or key: \(error)")
        return 0
    }
    var twice = settings
    do {
        try twice.apply(file)
    } catch {
        require(false, "the same file failed the second time: \(error)")
        return 0
    }
    require(twice == settings, "applying the file twice changed the settings")

    let rendered = settings.rendered()
    var reread = Settings()
    do {
        try reread.apply(ConfigFile.parse(rendered, path: "rendered"))
    } catch {
        require(false, "rendered settings do not read back: \(error)\n\(rendered)")
        return 0
    }
    require(reread == settings, "rendered settings read back different:\n\(settings)\n\(reread)\n\(rendered)")
    require(reread.rendered() == rendered, "rendering is not stable")
    return 0
}
