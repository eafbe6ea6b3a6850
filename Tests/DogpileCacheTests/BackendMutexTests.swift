import DogpileCache
import DogpileCacheTesting
import Testing

/// Per-key locks shared by several backends, standing in for a lock server shared by processes.
final class SharedLocks: Sendable {
    private let state = LockedValue<(held: Set<String>, waiters: [String: [CheckedContinuation<Void, Never>]])>(([], [:]))

    func acquire(_ key: String, wait: Bool) async -> Bool {
        let taken = state.withLock { state in state.held.insert(key).inserted }
        if taken || !wait { return taken }
        await withCheckedContinuation { continuation in
            let handedOver = state.withLock { state in
                if state.held.insert(key).inserted { return true }
                state.waiters[key, default: []].append(continuation)
                return false
            }
            if handedOver { continuation.resume() }
        }
        return true
    }

    /// Hands the lock to the next waiter, or frees it.
    func release(_ key: String) {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if var waiting = state.waiters[key], !waiting.isEmpty {
                let next = waiting.removeFirst()
                state.waiters[key] = waiting
                return next
            }
            state.held.remove(key)
            return nil
        }
        next?.resume()
    }

    func isLocked(_ key: String) -> Bool {
        state.withLock { $0.held.contains(key) }
    }

    func waiting(_ key: String) -> Int {
        state.withLock { $0.waiters[key]?.count ?? 0 }
    }
}

struct SharedKeyMutex: CacheMutex {
    let locks: SharedLocks
    let key: String

    func acquire(wait: Bool) async throws -> Bool { await locks.acquire(key, wait: wait) }
    func release() async throws { locks.release(key) }
    func isLocked() async throws -> Bool { locks.isLocked(key) }
}

/// A memory store plus cross-process locks: two of these over the same store and locks behave like
/// two processes sharing a cache server.
struct LockingBackend: AsyncCacheBackend {
    let storage: MemoryBackend
    let locks: SharedLocks

    func get(_ key: String) async throws -> CachedValue? { try await storage.get(key) }
    func set(_ key: String, _ value: CachedValue) async throws { try await storage.set(key, value) }
    func delete(_ key: String) async throws { try await storage.delete(key) }
    func mutex(for key: String) -> (any CacheMutex)? { SharedKeyMutex(locks: locks, key: "_lock" + key) }
}

@Suite(.timeLimit(.minutes(1))) struct BackendMutexTests {
    @Test(arguments: BackendConformance.checks)
    func lockingBackendConforms(_ check: BackendConformance.Check) async throws {
        try await check.run(on: LockingBackend(storage: MemoryBackend(), locks: SharedLocks()))
    }

    @Test func twoRegionsSharingABackendCreateOnce() async throws {
        let storage = MemoryBackend()
        let locks = SharedLocks()
        let first = try CacheRegion(name: "process A", backend: LockingBackend(storage: storage, locks: locks))
        let second = try CacheRegion(name: "process B", backend: LockingBackend(storage: storage, locks: locks))
        let gate = CreationGate()
        let log = CreatorLog()
        let creator: @Sendable () async throws -> String = {
            log.record()
            await gate.wait()
            return "created once"
        }
        let inFirst = Task { try await first.getOrCreate("k", creator: creator) }
        try await waitUntil { gate.parked == 1 }
        #expect(try await second.isKeyLocked("k"))
        let inSecond = Task { try await second.getOrCreate("k", creator: creator) }
        try await waitUntil { locks.waiting("_lockk") == 1 }
        gate.open()
        #expect(try await inFirst.value == "created once")
        #expect(try await inSecond.value == "created once")
        #expect(log.calls == 1)
        #expect(!locks.isLocked("_lockk"))
    }

    @Test func staleValueIsServedWhileAnotherProcessRegenerates() async throws {
        let clock = ManualCacheClock()
        let storage = MemoryBackend()
        let locks = SharedLocks()
        let region = try CacheRegion(
            backend: LockingBackend(storage: storage, locks: locks), expirationTime: .seconds(10), clock: clock
        )
        try await region.set("k", "stale")
        clock.advance(by: 11)
        // Another process holds the lock: this region must not wait for it, nor create.
        #expect(await locks.acquire("_lockk", wait: false))
        let value = try await region.getOrCreate("k") { () -> String in
            Issue.record("created although another process holds the lock")
            return "unexpected"
        }
        #expect(value == "stale")
        locks.release("_lockk")
        #expect(try await region.getOrCreate("k") { "fresh" } == "fresh")
    }
}
