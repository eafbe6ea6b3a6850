import DogpileCache
import Testing
import DogpileCacheTesting

/// Starts a get-or-create of `key` whose creator parks on `gate` and returns `value`, and returns once
/// that creation is in flight.
func startParkedCreation<Value: Sendable>(
    in region: CacheRegion,
    key: String,
    gate: CreationGate,
    returning value: Value
) async throws -> Task<Value, any Error> {
    let task = Task {
        try await region.getOrCreate(key) {
            await gate.wait()
            return value
        }
    }
    try await waitUntil { try await region.isKeyLocked(key) }
    return task
}

struct InjectedFailure: Error, Equatable {}

/// A backend whose every operation throws.
struct FailingBackend: AsyncCacheBackend {
    func get(_ key: String) async throws -> CachedValue? { throw InjectedFailure() }
    func set(_ key: String, _ value: CachedValue) async throws { throw InjectedFailure() }
    func delete(_ key: String) async throws { throw InjectedFailure() }
}

/// A memory backend that fails every operation while `isFailing` is set.
final class SwitchableBackend: AsyncCacheBackend {
    private let storage = MemoryBackend()
    private let failing = LockedValue(false)

    var isFailing: Bool {
        get { failing.withLock { $0 } }
        set { failing.withLock { $0 = newValue } }
    }

    func get(_ key: String) async throws -> CachedValue? {
        if isFailing { throw InjectedFailure() }
        return try await storage.get(key)
    }

    func set(_ key: String, _ value: CachedValue) async throws {
        if isFailing { throw InjectedFailure() }
        try await storage.set(key, value)
    }

    func delete(_ key: String) async throws {
        if isFailing { throw InjectedFailure() }
        try await storage.delete(key)
    }
}

struct CreatorFailure: Error, Equatable {
    var attempt: Int
}

/// The backends the race suites run over, one `@Test(arguments:)` each: the synchronous path of a
/// memory backend, the async path through a proxy that forwards every call, and the serializing path
/// of a byte-storing backend.
enum RaceBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory
    case forwardingProxy
    case bytes

    var testDescription: String { rawValue }

    /// A region on a new backend of this kind.
    func region(
        expirationTime: CacheExpiration = .never,
        clock: any CacheClock = SystemCacheClock(),
        backgroundRefresh: Bool = false
    ) throws -> CacheRegion {
        switch self {
        case .memory:
            try CacheRegion(backend: MemoryBackend(), expirationTime: expirationTime, clock: clock, backgroundRefresh: backgroundRefresh)
        case .forwardingProxy:
            try CacheRegion(
                backend: MemoryBackend(), expirationTime: expirationTime, wrap: [ForwardingProxy()], clock: clock,
                backgroundRefresh: backgroundRefresh
            )
        case .bytes:
            try CacheRegion(backend: BytesMemoryBackend(), expirationTime: expirationTime, clock: clock, backgroundRefresh: backgroundRefresh)
        }
    }
}

/// A proxy that overrides nothing and declares no pass-through, so a region reaches its backend
/// through async calls.
struct ForwardingProxy: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
}
