import CKmod
import Glibc
import Logging

/// MODALIAS to module names through libkmod, as `modprobe --resolve-alias` does, cached because a bus
/// has few distinct aliases and the lookup walks index files.
public final class ModaliasResolver {
    private var context: OpaquePointer?
    private var cache: [String: [String]] = [:]
    private static let cacheLimit = 4096

    /// `directory` holds modules.alias.bin; nil means the running kernel's /lib/modules/$(uname -r).
    public init(directory: String?, logger: Logger) throws {
        if let directory, !Self.hasIndex(directory) {
            throw ResolverError.noIndex(directory)
        }
        context = kmod_new(directory, nil)
        guard let context else {
            logger.warning("libkmod unavailable: devices will match drivers by name only")
            return
        }
        // Optional indexes (modules.builtin.modinfo, ...) may be missing; only the alias index matters.
        _ = kmod_load_resources(context)
        if let directory = directory ?? kmod_get_dirname(context).map({ String(cString: $0) }),
           !Self.hasIndex(directory) {
            logger.warning("no module index: devices will match drivers by name only",
                           metadata: ["modules_dir": "\(directory)"])
            // libkmod would try to open the missing index files again for every new alias.
            kmod_unref(context)
            self.context = nil
        }
    }

    deinit {
        if let context { kmod_unref(context) }
    }

    public func modules(for modalias: String) -> [String] {
        // Without an index every answer is empty: hashing the alias into the cache would be the whole cost.
        guard context != nil else { return [] }
        if let cached = cache[modalias] { return cached }
        let names = lookup(modalias)
        if cache.count >= Self.cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[modalias] = names
        return names
    }

    private func lookup(_ modalias: String) -> [String] {
        guard let context else { return [] }
        var list: OpaquePointer?
        guard kmod_module_new_from_lookup(context, modalias, &list) >= 0, let list else { return [] }
        defer { kmod_module_unref_list(list) }
        var names: [String] = []
        var entry: OpaquePointer? = list
        while let current = entry {
            if let module = kmod_module_get_module(current) {
                if let name = kmod_module_get_name(module) { names.append(String(cString: name)) }
                kmod_module_unref(module)
            }
            entry = kmod_list_next(list, current)
        }
        return names
    }

    private static func hasIndex(_ directory: String) -> Bool {
        access(directory + "/modules.alias.bin", R_OK) == 0 || access(directory + "/modules.alias", R_OK) == 0
    }

    public enum ResolverError: Error, CustomStringConvertible {
        case noIndex(String)
        public var description: String {
            switch self {
            case .noIndex(let directory):
                "no module index in \(directory) (expected modules.alias.bin; run depmod -b ROOT VERSION)"
            }
        }
    }
}
