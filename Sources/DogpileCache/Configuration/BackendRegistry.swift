/// Makes a backend from the arguments of a flat configuration.
public typealias BackendFactory = @Sendable (BackendArguments) throws -> any AsyncCacheBackend

/// Registers `factory` under `name`, for `configure(fromConfig:prefix:)` (dogpile's
/// `register_backend`). A later registration under the same name replaces the earlier one.
///
/// Built in: `memory` (arguments `max_entries` and `eviction_policy`, `tiny_lfu` or `lru`, both
/// optional) and `null`.
public func registerBackend(name: String, factory: @escaping BackendFactory) {
    BackendRegistry.shared.register(name: name, factory: factory)
}

/// The backends configuration can name.
final class BackendRegistry: Sendable {
    static let shared = BackendRegistry()

    private let factories = LockedValue<[String: BackendFactory]>([
        "memory": { arguments in
            let policy: MemoryBackend.EvictionPolicy
            switch arguments.string("eviction_policy") {
            case nil, "tiny_lfu": policy = .tinyLFU
            case "lru": policy = .lru
            case let other?:
                throw CacheError(
                    .invalidConfiguration,
                    "'\(arguments.keyPrefix)eviction_policy' must be tiny_lfu or lru, got '\(other)'"
                )
            }
            guard let maxEntries = try arguments.integer("max_entries") else { return MemoryBackend() }
            guard maxEntries >= 1 else {
                throw CacheError(.invalidConfiguration, "'\(arguments.keyPrefix)max_entries' must be at least 1, got \(maxEntries)")
            }
            return try MemoryBackend(maxEntries: maxEntries, policy: policy)
        },
        "null": { _ in NullBackend() },
    ])

    func register(name: String, factory: @escaping BackendFactory) {
        factories.withLock { $0[name] = factory }
    }

    /// Makes the backend registered under `name`.
    ///
    /// - Throws: `backendNotFound` naming it, or what the factory throws.
    func makeBackend(named name: String, arguments: BackendArguments) throws -> any AsyncCacheBackend {
        let (factory, known) = factories.withLock { ($0[name], $0.keys.sorted()) }
        guard let factory else {
            throw CacheError(
                .backendNotFound,
                "no backend is registered under the name '\(name)'; registered: \(known.joined(separator: ", "))"
            )
        }
        return try factory(arguments)
    }
}
