/// Makes a backend from the arguments of a configuration by name.
public typealias BackendFactory = @Sendable (BackendArguments) throws -> any AsyncCacheBackend

/// Registers `factory` under `name`, for configuration by name (``CacheRegion/configure(from:)``,
/// ``CacheRegion/configure(fromConfig:prefix:)``; dogpile's `register_backend`). A later
/// registration under the same name replaces the earlier one.
///
/// Built in: `memory` (optional arguments `max_entries`, `max_weight` with the default weigher,
/// `shard_count`, `eviction_policy` (`tiny_lfu` or `lru`) and `name`: see
/// ``MemoryBackend/Configuration``) and `null`.
public func registerBackend(name: String, factory: @escaping BackendFactory) {
    BackendRegistry.shared.register(name: name, factory: factory)
}

/// The backends configuration can name.
final class BackendRegistry: Sendable {
    static let shared = BackendRegistry()

    private let factories = LockedValue<[String: BackendFactory]>([
        "memory": { arguments in
            var configuration = MemoryBackend.Configuration()
            switch try arguments.string("eviction_policy") {
            case nil, "tiny_lfu": configuration.evictionPolicy = .tinyLFU
            case "lru": configuration.evictionPolicy = .lru
            case let other?: throw arguments.invalid("eviction_policy", other, "tiny_lfu or lru")
            }
            /// The integer argument `name`, which must be in `range`.
            func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
                guard let value = try arguments.integer(name) else { return nil }
                guard range.contains(value) else {
                    let bounds = range.upperBound == .max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
                    throw arguments.invalid(name, value, bounds)
                }
                return value
            }
            configuration.maxEntries = try integer("max_entries", in: 1...Int.max)
            configuration.maxWeight = try integer("max_weight", in: 1...Int.max)
            configuration.shardCount = try integer("shard_count", in: MemoryBackend.Configuration.shardCountRange)
                ?? configuration.shardCount
            configuration.name = try arguments.string("name") ?? configuration.name
            return try MemoryBackend(configuration: configuration)
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
