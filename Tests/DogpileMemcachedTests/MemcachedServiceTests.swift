import DogpileCache
import DogpileCacheTesting
import DogpileMemcachedTesting
import DogpileServiceLifecycle
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import DogpileMemcached

/// `MemcachedBackend` and `CacheRegionService` in a ServiceLifecycle `ServiceGroup`.
@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedServiceTests {
    @Test("on graceful shutdown the region finishes its refresh, then the backend its calls, then both end")
    func gracefulShutdownEndsTheRegionThenTheBackend() async throws {
        let server = try await MemcachedServerProcess()
        var configuration = MemcachedBackend.Configuration(servers: [server.server])
        configuration.poolSize = 1
        let backend = try MemcachedBackend(configuration: configuration)
        let clock = ManualCacheClock()
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock, backgroundRefresh: true)
        try await region.set("page", "old")
        clock.advance(by: 11)

        let group = ServiceGroup(services: [backend, CacheRegionService(region)], logger: Logger(label: "test"))
        let ended = Atomic<Bool>(false)
        let running = Task {
            try await group.run()
            ended.store(true, ordering: .sequentiallyConsistent)
        }

        // A background refresh the test holds: its caller is served the stale value at once.
        let gate = CreationGate()
        #expect(try await region.getOrCreate("page") { await gate.wait(); return "new" } == "old")
        try await waitUntil { gate.parked == 1 }

        await group.triggerGracefulShutdown()
        try await waitUntil { region.isShutDown }
        // The region waits for its refresh, so the group has not ended and the backend still runs.
        let endedEarly = ended.load(ordering: .sequentiallyConsistent)
        #expect(!endedEarly)
        #expect(backend.liveWorkerCount == 1)

        gate.open()
        try await running.value
        // The refresh stored its value before the backend shut down, and the backend is gone.
        #expect(backend.liveWorkerCount == 0)
        #expect(backend.openConnectionCount == 0)
        await #expect(throws: CacheError(.backendUnavailable, "")) { try await backend.get("page") }
        let reader = try MemcachedBackend(configuration: configuration)
        let check = try CacheRegion(backend: reader, clock: clock)
        #expect(try await check.get("page", as: String.self) == "new")
        await reader.shutdown()
    }

    @Test("calls queued when the group shuts down are answered before the backend's run returns")
    func queuedCallsAreAnswered() async throws {
        let server = try await MemcachedServerProcess()
        var configuration = MemcachedBackend.Configuration(servers: [server.server])
        configuration.poolSize = 1
        configuration.pollTimeout = .seconds(10)  // the frozen server is thawed long before
        let backend = try MemcachedBackend(configuration: configuration)
        try await backend.set("kept", CachedValue(payload: Array("value".utf8), creationTime: 1))
        let group = ServiceGroup(services: [backend], logger: Logger(label: "test"))
        let running = Task { try await group.run() }

        server.freeze()
        let calls = (0..<5).map { _ in Task { try await backend.get("kept") } }
        try await waitUntil { backend.requestCounts.accepted == 6 }
        await group.triggerGracefulShutdown()
        server.thaw()
        try await running.value
        for call in calls {
            #expect(try await call.value?.payload as? [UInt8] == Array("value".utf8))
        }
        #expect(backend.liveWorkerCount == 0)
        #expect(backend.openConnectionCount == 0)
    }
}
