/// One row of the key table: where the key lives and how its value is read, reset and written back.
struct SettingKey: Sendable {
    let section: String
    let name: String
    let apply: @Sendable (inout Settings, String) throws(InvalidValue) -> Void
    let reset: @Sendable (inout Settings) -> Void
    let render: @Sendable (Settings) -> String

    init<Value>(_ section: String, _ name: String, _ property: WritableKeyPath<Settings, Value> & Sendable,
                _ syntax: ValueSyntax<Value>) {
        self.section = section
        self.name = name
        apply = { settings, text throws(InvalidValue) in settings[keyPath: property] = try syntax.parse(text) }
        reset = { $0[keyPath: property] = Settings()[keyPath: property] }
        render = { syntax.render($0[keyPath: property]) }
    }
}

/// Why a value was refused; `Settings.apply` adds the file, line and key.
struct InvalidValue: Error {
    let message: String
}
