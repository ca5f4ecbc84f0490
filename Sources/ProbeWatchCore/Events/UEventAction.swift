/// The actions the kernel sends (`kobject_actions[]` in lib/kobject_uevent.c).
public enum UEventAction: String, Sendable, CaseIterable, Codable {
    case add, remove, change, move, online, offline, bind, unbind

    /// `rawValue` as the encoder writes it, once per uevent, without a String.
    var literal: StaticString {
        switch self {
        case .add: "add"
        case .remove: "remove"
        case .change: "change"
        case .move: "move"
        case .online: "online"
        case .offline: "offline"
        case .bind: "bind"
        case .unbind: "unbind"
        }
    }
}
