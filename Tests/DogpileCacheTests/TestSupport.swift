import DogpileCache
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

struct CreatorFailure: Error, Equatable {
    var attempt: Int
}
