/// The actions the kernel sends (`kobject_actions[]` in lib/kobject_uevent.c).
public enum UEventAction: String, Sendable, CaseIterable, Codable {
    case add, remove, change, move, online, offline, bind, unbind
}
