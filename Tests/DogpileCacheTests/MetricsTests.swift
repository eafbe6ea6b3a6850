import DogpileCache
import DogpileCacheTesting
import MetricsTestKit
import Testing

/// The swift-metrics a region and a bounded memory store report, read from `TestMetrics`.
@Suite(.timeLimit(.minutes(1)))
struct MetricsTests {
    let metrics = TestMetrics()

    private func requests(_ result: String, region: String = "metrics") throws -> Int64 {
        try metrics.expectCounter("cache.requests", [("region", region), ("result", result)]).totalValue
    }

    private func region(
        backend: some AsyncCacheBackend = MemoryBackend(),
        expirationTime: CacheExpiration = .never,
        clock: any CacheClock = SystemCacheClock()
    ) throws -> CacheRegion {
        try CacheRegion(name: "metrics", backend: backend, expirationTime: expirationTime, clock: clock, metricsFactory: metrics)
    }

    @Test("hits, misses and stale values served are cache.requests by result")
    func requestsByResult() async throws {
        let clock = ManualCacheClock()
        let region = try region(expirationTime: .seconds(10), clock: clock)
        _ = try await region.getOrCreate("a") { 1 }
        _ = try await region.getOrCreate("a") { 2 }
        _ = try await region.getOrCreate("a") { 3 }
        _ = region.statistics  // reports the hits so far
        #expect(try requests("miss") == 1)
        #expect(try requests("hit") == 2)
        #expect(try requests("stale") == 0)

        // A stale value is served to the second caller while the first regenerates it.
        clock.advance(by: 11)
        let gate = CreationGate()
        let regenerating = Task {
            try await region.getOrCreate("a") {
                await gate.wait()
                return 4
            }
        }
        try await waitUntil { try await region.isKeyLocked("a") }
        #expect(try await region.getOrCreate("a") { 5 } == 1)
        gate.open()
        #expect(try await regenerating.value == 4)
        #expect(try requests("stale") == 1)
        #expect(try requests("miss") == 2)

        // A get of a missing key is a miss too; the statistics agree with the metric.
        #expect(try await region.get("b", as: Int.self) == nil)
        _ = try await region.getOrCreate("a") { 6 }
        let statistics = region.statistics
        #expect(try requests("hit") == Int64(statistics.hits))
        #expect(try requests("miss") == Int64(statistics.misses))
        #expect(try requests("stale") == Int64(statistics.staleServed))
    }

    @Test("hits on a backend read asynchronously are counted too")
    func hitsThroughAProxy() async throws {
        let region = try region(backend: FaultInjectingProxy(proxying: MemoryBackend()))
        _ = try await region.getOrCreate("a") { 1 }
        _ = try await region.getOrCreate("a") { 2 }
        _ = try await region.getOrCreateMulti(["a", "b"]) { keys in keys.map { _ in 3 } }
        _ = region.statistics
        #expect(try requests("hit") == 2)
        #expect(try requests("miss") == 2)
    }

    @Test("hits reach the metric in batches of 64 per thread, and all of them at a creation or a statistics read")
    func hitsInBatches() async throws {
        let region = try region()
        _ = try await region.getOrCreate("a") { 1 }
        for _ in 0..<10_000 {
            _ = try await region.getOrCreate("a") { 2 }
        }
        // At most 63 hits wait in each of the slot's 32 stripes.
        let reported = try requests("hit")
        #expect(reported <= 10_000)
        #expect(reported >= 10_000 - 63 * 32)
        _ = try await region.getOrCreate("b") { 3 }
        #expect(try requests("hit") == 10_000)
        _ = try await region.getOrCreate("b") { 4 }
        #expect(try requests("hit") == 10_000)
        #expect(region.statistics.hits == 10_001)
        #expect(try requests("hit") == 10_001)
    }

    @Test("creations are counted by outcome and timed")
    func creationsByOutcome() async throws {
        let region = try region()
        _ = try await region.getOrCreate("a") { 1 }
        _ = try await region.getOrCreateMulti(["b", "c"]) { keys in keys.map { _ in 2 } }
        await #expect(throws: CreatorFailure.self) {
            try await region.getOrCreate("d") { () async throws -> Int in throw CreatorFailure(attempt: 1) }
        }
        let dimensions = [("region", "metrics")]
        #expect(try metrics.expectCounter("cache.creations", dimensions + [("outcome", "success")]).totalValue == 2)
        #expect(try metrics.expectCounter("cache.creations", dimensions + [("outcome", "failure")]).totalValue == 1)
        let timer = try metrics.expectTimer("cache.creation.duration", dimensions)
        #expect(timer.values.count == 3)
        #expect(timer.values.allSatisfy { $0 >= 0 })
    }

    @Test("callers that join another's creation are cache.coalesced_waiters")
    func coalescedWaiters() async throws {
        let region = try region()
        let gate = CreationGate()
        let first = try await startParkedCreation(in: region, key: "a", gate: gate, returning: 1)
        let joiners = (0..<5).map { _ in Task { try await region.getOrCreate("a") { 2 } } }
        try await waitUntil { region.statistics.coalescedWaiters == 5 }
        gate.open()
        #expect(try await first.value == 1)
        for joiner in joiners {
            #expect(try await joiner.value == 1)
        }
        #expect(try metrics.expectCounter("cache.coalesced_waiters", [("region", "metrics")]).totalValue == 5)
        #expect(try requests("miss") == 6)
    }

    @Test("backend failures are cache.backend.errors by operation")
    func backendErrorsByOperation() async throws {
        let region = try region(backend: FaultInjectingProxy(failing: [.get, .set], proxying: MemoryBackend()))
        _ = try await region.getOrCreate("a") { 1 }
        _ = try await region.getOrCreateMulti(["b"]) { keys in keys.map { _ in 2 } }
        await #expect(throws: CacheError.self) { try await region.set("c", 3) }
        func errors(_ operation: String) throws -> Int64 {
            try metrics.expectCounter("cache.backend.errors", [("region", "metrics"), ("operation", operation)]).totalValue
        }
        #expect(try errors("get") == 1)
        #expect(try errors("set") == 2)
        #expect(try errors("get_multi") == 0)
        #expect(try errors("delete") == 0)
        #expect(Int64(region.statistics.backendErrors) == 3)
    }

    @Test("a region's metrics are made once, not per call or per key")
    func metricsMadeOnce() async throws {
        let region = try region()
        let made = metrics.counters.count + metrics.timers.count
        #expect(made > 0)
        for key in 0..<200 {
            _ = try await region.getOrCreate("key\(key)") { key }
            _ = try await region.getOrCreate("key\(key)") { key }
        }
        #expect(metrics.counters.count + metrics.timers.count == made)
    }

    @Test("two regions report under their own names")
    func regionDimension() async throws {
        let users = try CacheRegion(name: "users", backend: MemoryBackend(), metricsFactory: metrics)
        let pages = try CacheRegion(name: "pages", backend: MemoryBackend(), metricsFactory: metrics)
        _ = try await users.getOrCreate("a") { 1 }
        _ = try await pages.getOrCreate("a") { 1 }
        _ = try await pages.getOrCreate("a") { 1 }
        _ = (users.statistics, pages.statistics)
        #expect(try requests("hit", region: "users") == 0)
        #expect(try requests("hit", region: "pages") == 1)
        #expect(try requests("miss", region: "users") == 1)
    }

    @Test("a bounded memory store reports cache.evictions by cause")
    func evictionsByCause() async throws {
        var configuration = MemoryBackend.Configuration(maxEntries: 4, evictionPolicy: .lru)
        configuration.shardCount = 1
        configuration.name = "local"
        configuration.metricsFactory = metrics
        let backend = try MemoryBackend(configuration: configuration)
        for key in 0..<10 {
            try await backend.set("key\(key)", CachedValue(payload: key, creationTime: 0))
        }
        try await backend.set("key9", CachedValue(payload: 0, creationTime: 0))
        try await backend.delete("key8")

        var weighed = MemoryBackend.Configuration(maxWeight: 10)
        weighed.shardCount = 1
        weighed.name = "weighed"
        weighed.metricsFactory = metrics
        weighed.weigher = { _, _ in 4 }
        let heavy = try MemoryBackend(configuration: weighed)
        for key in 0..<5 {
            try await heavy.set("key\(key)", CachedValue(payload: key, creationTime: 0))
        }
        func evictions(_ backend: String, _ cause: String) throws -> Int64 {
            try metrics.expectCounter("cache.evictions", [("backend", backend), ("cause", cause)]).totalValue
        }
        #expect(try evictions("local", "size") == 6)
        #expect(try evictions("local", "weight") == 0)
        #expect(try evictions("weighed", "weight") == 3)
        #expect(try evictions("weighed", "size") == 0)
    }
}
