/// Makes a backend from the arguments of a configuration by name.
public typealias BackendFactory = @Sendable (BackendArguments) throws -> any AsyncCacheBackend

/// Registers `factory` under `name`, for configuration by name (``CacheRegion/configure(from:)``,
/// ``CacheRegion/configure(fromConfig:prefix:)``; dogpile's `register_backend`). A later
/// registration under the same name replaces the earlier one.
///
/// Built in: `memory` (the arguments of ``MemoryBackend/Configuration/init(arguments:)``) and `null`.
public func registerBackend(name: String, factory: @escaping BackendFactory) {
    BackendRegistry.shared.register(name: name, factory: factory)
}

/// The backends configuration can name.
final class BackendRegistry: Sendable {
    static let shared = BackendRegistry()

    private let factories = LockedValue<[String: BackendFactory]>([
        "memory": { arguments in try MemoryBackend(configuration: MemoryBackend.Configuration(arguments: arguments)) },
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
