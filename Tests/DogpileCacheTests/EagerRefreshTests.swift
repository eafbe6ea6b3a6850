@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// Eager refresh (issue rule 4): a hit past the refresh point returns the value at once and starts
/// one background regeneration, on `ManualCacheClock` and a parked creator.
@Suite(.timeLimit(.minutes(1)))
struct EagerRefreshTests {
    static func policy(_ fraction: Double) -> CreationPolicy {
        var policy = CreationPolicy()
        policy.eagerRefresh = fraction
        return policy
    }

    @Test func aHitPastTheRefreshPointIsServedAndRefreshedOnceInTheBackground() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(100), clock: clock, policy: Self.policy(0.8))
        try await region.set("k", "v1")
        let gate = CreationGate()
        let calls = CreatorLog()
        let refresh: @Sendable () async throws -> String = {
            calls.record()
            await gate.wait()
            return "v2"
        }
        clock.advance(by: 80)
        #expect(try await region.getOrCreate("k", creator: refresh) == "v1")
        #expect(calls.calls == 0 && region.statistics.eagerRefreshes == 0, "below the refresh point, a plain hit")
        clock.advance(by: 1)
        #expect(try await region.getOrCreate("k", creator: refresh) == "v1")
        try await waitUntil { gate.parked == 1 }
        // A second hit while the refresh runs is served too, and starts no other.
        #expect(try await region.getOrCreate("k", creator: refresh) == "v1")
        #expect(calls.calls == 1 && region.statistics.eagerRefreshes == 1)
        #expect(region.statistics.hits == 3 && region.statistics.staleServed == 0)
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
        #expect(try await region.get("k", as: String.self) == "v2")
        // The new value was created when the refresh started: fresh, not due again.
        #expect(try await region.getOrCreate("k", creator: refresh) == "v2")
        #expect(calls.calls == 1)
    }

    @Test func theRefreshPointIsAShareOfTheValuesOwnLifetime() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: BytesMemoryBackend(), expirationTime: .seconds(100), clock: clock, policy: Self.policy(0.5))
        let calls = CreatorLog()
        let create: @Sendable (inout CreationContext) async throws -> String = { context in
            calls.record()
            context.expirationTime = .seconds(10)
            return "made \(calls.calls)"
        }
        #expect(try await region.getOrCreate("k", creator: create) == "made 1")
        clock.advance(by: 6)
        // Past half of its own 10 s (not of the region's 100 s): served, and refreshed at once (the
        // creator does not suspend).
        #expect(try await region.getOrCreate("k", creator: create) == "made 1")
        #expect(calls.calls == 2)
        #expect(try await region.getOrCreate("k", creator: create) == "made 2")
    }

    @Test func multiCallsAndCachedFunctionsRefreshEarlyToo() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(100), clock: clock)
        let calls = CreatorLog()
        try await region.set("a", "old a")
        let many: @Sendable ([String]) async throws -> [String] = { keys in
            calls.record(keys)
            return keys.map { "new \($0)" }
        }
        clock.advance(by: 90)
        #expect(try await region.getOrCreateMulti(["a", "b"], policy: Self.policy(0.8), creator: many) == ["old a", "new b"])
        #expect(calls.keysPerCall == [["a", "b"]])
        #expect(try await region.get("a", as: String.self) == "new a")

        let load = region.cacheOnArguments(name: "load", policy: Self.policy(0.8)) { (id: Int) in
            calls.record()
            return "loaded \(id) #\(calls.calls)"
        }
        #expect(try await load(1) == "loaded 1 #2")
        clock.advance(by: 81)
        #expect(try await load(1) == "loaded 1 #2")
        #expect(try await load(1) == "loaded 1 #3")
        #expect(region.statistics.eagerRefreshes == 2)
    }

    @Test(arguments: [0.0, 1.0, -0.5, .nan])
    func aFractionOutsideZeroToOneIsRefused(fraction: Double) async throws {
        #expect(throws: CacheError(.invalidConfiguration, "")) {
            _ = try CacheRegion(backend: MemoryBackend(), policy: Self.policy(fraction))
        }
    }
}
