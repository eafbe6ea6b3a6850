import DogpileCache
import DogpileCacheTesting
import DogpileMemcachedTesting
import Foundation
import Testing

@testable import DogpileMemcached

@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedLockTests {
    static func lockingBackend(lockTimeout: Duration? = .seconds(30), lockWaitTimeout: Duration = .seconds(5)) throws -> MemcachedBackend {
        try TestServers.backend {
            $0.distributedLock = true
            $0.lockTimeout = lockTimeout
            $0.lockWaitTimeout = lockWaitTimeout
        }
    }

    /// A locking backend on a server of the test's own, with timeouts short enough for a frozen
    /// server to fail calls quickly.
    static func lockingBackend(on server: MemcachedServerProcess) throws -> MemcachedBackend {
        var configuration = MemcachedBackend.Configuration(servers: [server.server])
        configuration.distributedLock = true
        configuration.pollTimeout = .milliseconds(200)
        configuration.retryTimeout = .seconds(1)
        return try MemcachedBackend(configuration: configuration)
    }

    @Test func twoRegionsOnSeparateBackendsRunOneCreatorBetweenThem() async throws {
        // The creator is parked until both regions missed: on a busy machine that can take longer than
        // the default wait timeout, after which the waiting region would create too.
        let backends = [try Self.lockingBackend(lockWaitTimeout: .seconds(600)), try Self.lockingBackend(lockWaitTimeout: .seconds(600))]
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

    @Test func theLockNamesItsHolderAndAReleaseRemovesOnlyItsOwn() async throws {
        let backend = try Self.lockingBackend()
        let key = uniqueKey("holder")
        let first = try #require(backend.mutex(for: key) as? MemcachedLock)
        let second = try #require(backend.mutex(for: key) as? MemcachedLock)
        #expect(first.token != second.token)
        #expect(try await first.acquire(wait: false))
        let value = try #require(try await backend.get(first.lockKey)?.payload as? [UInt8])
        #expect(value == first.token)
        #expect(String(decoding: value, as: UTF8.self).contains(" \(getpid()) "), "the token names the process")
        // The first holder's lock expires (here: is removed) and the second takes it.
        try await backend.delete(first.lockKey)
        #expect(try await second.acquire(wait: false))
        try await first.release()
        #expect(try await second.isLocked(), "a late release leaves the new holder's lock alone")
        try await second.release()
        #expect(try await !second.isLocked())
        await backend.shutdown()
    }

    @Test func aWaiterGivesUpAtTheLockWaitTimeout() async throws {
        let backend = try Self.lockingBackend(lockWaitTimeout: .milliseconds(100))
        let key = uniqueKey("stuck")
        let holder = try #require(backend.mutex(for: key))
        #expect(try await holder.acquire(wait: false))
        #expect(try await !#require(backend.mutex(for: key)).acquire(wait: true))
        try await holder.release()
        await backend.shutdown()
    }

    @Test func aRegionCreatesWithoutALockHeldPastTheWaitTimeoutAndSaysSo() async throws {
        let backend = try Self.lockingBackend(lockWaitTimeout: .milliseconds(100))
        let log = CapturedLog()
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60), logger: log.logger())
        let key = uniqueKey("stalled")
        // Another process holds the key's lock and never finishes.
        let stalled = try #require(backend.mutex(for: key))
        #expect(try await stalled.acquire(wait: false))
        for _ in 0..<2 {
            try await region.delete(key)
            #expect(try await region.getOrCreate(key) { "made anyway" } == "made anyway")
        }
        #expect(region.statistics.lockWaitsTimedOut == 2)
        #expect(log.warnings.count == 1, "one warning for the streak: \(log.warnings)")
        #expect(log.warnings.first?.contains("gave up waiting for the backend's lock") == true)
        try await stalled.release()
        await backend.shutdown()
    }

    @Test func aReleaseTheServerDidNotAnswerIsMadeWhenItAnswersAgain() async throws {
        let server = try await MemcachedServerProcess()
        let backend = try Self.lockingBackend(on: server)
        let log = CapturedLog()
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60), logger: log.logger())
        let key = uniqueKey("frozen")
        let lock = try #require(backend.mutex(for: key))
        let gate = CreationGate()
        let creation = Task { try await region.getOrCreate(key) { await gate.wait(); return "v" } }
        try await waitUntil { try await lock.isLocked() }
        server.freeze()
        gate.open()
        // The store and the release fail while the server is frozen; the caller still gets its value.
        #expect(try await creation.value == "v")
        #expect(backend.lockReleases.pendingCount == 1)
        #expect(log.warnings.contains { $0.contains("a backend lock was not released") })
        server.thaw()
        try await waitUntil { backend.lockReleases.pendingCount == 0 }
        #expect(try await !lock.isLocked(), "the lock is gone long before its 30-second timeout")
        await backend.shutdown()
    }

    @Test func anAddWhoseAnswerWasLostLeavesNoLockBehind() async throws {
        let server = try await MemcachedServerProcess()
        let backend = try Self.lockingBackend(on: server)
        let key = uniqueKey("lost-add")
        let lock = try #require(backend.mutex(for: key))
        #expect(try await lock.isLocked() == false)
        server.freeze()
        // The add reaches the frozen server's socket; its answer never comes back in time.
        await #expect(throws: CacheError(.backendUnavailable, "")) { try await lock.acquire(wait: false) }
        #expect(backend.lockReleases.pendingCount == 1)
        server.thaw()
        try await waitUntil { backend.lockReleases.pendingCount == 0 }
        #expect(try await !lock.isLocked())
        await backend.shutdown()
    }

    @Test func shutdownTriesTheKeptReleasesOnceMore() async throws {
        let server = try await MemcachedServerProcess()
        let backend = try Self.lockingBackend(on: server)
        let key = uniqueKey("at-shutdown")
        let lock = try #require(backend.mutex(for: key))
        #expect(try await lock.acquire(wait: false))
        server.freeze()
        await #expect(throws: CacheError.self) { try await lock.release() }
        server.thaw()
        await backend.shutdown()
        #expect(backend.lockReleases.pendingCount == 0)
        let other = try Self.lockingBackend(on: server)
        #expect(try await !#require(other.mutex(for: key)).isLocked())
        await other.shutdown()
    }
}
