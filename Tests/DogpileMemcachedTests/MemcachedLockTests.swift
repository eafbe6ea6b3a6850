import DogpileCache
import DogpileCacheTesting
import Testing

@testable import DogpileMemcached

@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedLockTests {
    static func lockingBackend(lockTimeout: Duration? = .seconds(30)) throws -> MemcachedBackend {
        try TestServers.backend {
            $0.distributedLock = true
            $0.lockTimeout = lockTimeout
        }
    }

    @Test func twoRegionsOnSeparateBackendsRunOneCreatorBetweenThem() async throws {
        let backends = [try Self.lockingBackend(), try Self.lockingBackend()]
        let regions = try backends.map { try CacheRegion(backend: $0, expirationTime: .seconds(60)) }
        let key = uniqueKey("dogpile")
        let gate = CreationGate()
        let log = CreatorLog()
        let callers = (0..<100).map { index in
            Task {
                try await regions[index % 2].getOrCreate(key) {
                    log.record()
                    await gate.wait()
                    return "created once"
                }
            }
        }
        // One creator holds the distributed lock; both regions missed, so the other is waiting for it.
        try await waitUntil { log.calls == 1 }
        try await waitUntil { regions[0].statistics.misses >= 1 && regions[1].statistics.misses >= 1 }
        gate.open()
        for caller in callers {
            #expect(try await caller.value == "created once")
        }
        #expect(log.calls == 1)
        for backend in backends { await backend.shutdown() }
    }

    @Test func theLockIsExclusiveAndReleasable() async throws {
        let backend = try Self.lockingBackend()
        let key = uniqueKey("exclusive")
        let first = try #require(backend.mutex(for: key))
        let second = try #require(backend.mutex(for: key))
        #expect(try await !first.isLocked())
        #expect(try await first.acquire(wait: false))
        #expect(try await second.isLocked())
        #expect(try await !second.acquire(wait: false))
        let waiter = Task { try await second.acquire(wait: true) }
        try await first.release()
        #expect(try await waiter.value, "a waiter takes the lock once it is released")
        try await second.release()
        #expect(try await !first.isLocked())
        await backend.shutdown()
    }

    @Test func aLockLeftByADeadHolderExpiresAfterTheLockTimeout() async throws {
        let backend = try Self.lockingBackend(lockTimeout: .seconds(1))
        let key = uniqueKey("abandoned")
        let abandoned = try #require(backend.mutex(for: key))
        #expect(try await abandoned.acquire(wait: false))
        // The holder never releases; a waiter gets the lock once memcached expires it.
        let waiter = try #require(backend.mutex(for: key))
        #expect(try await waiter.acquire(wait: true))
        await backend.shutdown()
    }

    @Test func aWaiterCancelledWhileTheLockIsHeldStopsWaiting() async throws {
        let backend = try Self.lockingBackend()
        let key = uniqueKey("cancelled")
        let holder = try #require(backend.mutex(for: key))
        #expect(try await holder.acquire(wait: false))
        let accepted = backend.requestCounts.accepted
        let waiter = Task { try await #require(backend.mutex(for: key)).acquire(wait: true) }
        try await waitUntil { backend.requestCounts.accepted > accepted }  // it tried once and waits
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        try await holder.release()
        await backend.shutdown()
    }

    @Test func lockKeysAreMemcachedKeysEvenForTheLongestValueKeys() throws {
        let backend = try Self.lockingBackend()
        let short = try #require(backend.mutex(for: "k") as? MemcachedLock)
        #expect(short.lockKey == "_lockk")
        let longest = String(repeating: "k", count: 250)
        let long = try #require(backend.mutex(for: longest) as? MemcachedLock)
        #expect(long.lockKey == "_lock#" + KeyMangler.sha1(longest))
        #expect(try TestServers.backend().mutex(for: "k") == nil)
    }
}
