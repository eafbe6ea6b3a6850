import DogpileCache
import DogpileCacheTesting
import DogpileMemcachedTesting
import Testing

@testable import DogpileMemcached

@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedShutdownTests {
    @Test func aHundredBackendsShutDownLeaveNoThreadAndNoConnection() async throws {
        for round in 0..<100 {
            let backend = try TestServers.backend { $0.poolSize = 3 }
            try await backend.set("shutdown:\(round)", CachedValue(payload: [UInt8]([1]), creationTime: 1))
            #expect(backend.liveWorkerCount == 3)
            await backend.shutdown()
            #expect(backend.liveWorkerCount == 0)
            #expect(backend.openConnectionCount == 0)
        }
    }

    @Test func shutdownFinishesQueuedCallsAndLaterCallsFail() async throws {
        let server = try await MemcachedServerProcess()
        var configuration = MemcachedBackend.Configuration(servers: [server.server])
        configuration.poolSize = 1
        configuration.pollTimeout = .seconds(10)  // the frozen server is thawed long before
        let backend = try MemcachedBackend(configuration: configuration)
        try await backend.set("kept", CachedValue(payload: Array("value".utf8), creationTime: 1))

        server.freeze()
        let first = Task { try await backend.get("kept") }
        try await waitUntil { backend.requestCounts == (queued: 0, accepted: 2) }
        let queued = (0..<20).map { _ in Task { try await backend.get("kept") } }
        try await waitUntil { backend.requestCounts == (queued: 20, accepted: 22) }
        backend.pool.close()
        await #expect(throws: CacheError(.backendUnavailable, "")) { try await backend.get("kept") }
        server.thaw()
        await backend.shutdown()
        for call in [first] + queued {
            #expect(try await call.value?.payload as? [UInt8] == Array("value".utf8))
        }
        #expect(backend.liveWorkerCount == 0)
        #expect(backend.openConnectionCount == 0)
    }

    @Test func aBackendDroppedWithoutShutdownStillStopsItsThreads() async throws {
        var backend: MemcachedBackend? = try TestServers.backend()
        try await backend?.set("dropped", CachedValue(payload: [UInt8]([1]), creationTime: 1))
        let pool = try #require(backend?.pool)
        #expect(pool.liveWorkerCount == 2)
        backend = nil
        try await waitUntil { pool.liveWorkerCount == 0 }
    }
}
