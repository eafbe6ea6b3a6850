import DogpileCache

/// A gate a creator parks on until the test opens it: makes races deterministic without sleeping.
final class Gate: Sendable {
    private let state = LockedValue<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// Suspends until ``open()`` is called (returns at once if already open).
    func wait() async {
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// Releases every parked task and every later one.
    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    /// The number of tasks parked now.
    var parked: Int { state.withLock { $0.waiters.count } }
}

/// Counts creator calls and remembers the keys each multi call received.
final class CreatorLog: Sendable {
    private let state = LockedValue<[[String]]>([])

    func record(_ keys: [String] = []) {
        state.withLock { $0.append(keys) }
    }

    var calls: Int { state.withLock { $0.count } }
    var keysPerCall: [[String]] { state.withLock { $0 } }
}

/// Waits, yielding, until `condition` holds. Throws when the test's time limit cancels it, so a
/// condition that never comes fails the test instead of spinning forever.
func waitUntil(_ condition: () async throws -> Bool) async throws {
    while try await !condition() {
        try Task.checkCancellation()
        await Task.yield()
    }
}

/// Starts a get-or-create of `key` whose creator parks on `gate` and returns `value`, and returns once
/// that creation is in flight.
func startParkedCreation<Value: Sendable>(
    in region: CacheRegion,
    key: String,
    gate: Gate,
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
