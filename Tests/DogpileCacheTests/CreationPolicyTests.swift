@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// The creation policy's rules: jitter (rule 6) and never-stale (rule 7), on `ManualCacheClock`
/// and a parked creator.
@Suite(.timeLimit(.minutes(1)))
struct CreationPolicyTests {
    static func policy(jitter: Duration? = nil, servesStale: Bool = true) -> CreationPolicy {
        var policy = CreationPolicy()
        policy.jitter = jitter
        policy.servesStale = servesStale
        return policy
    }

    @Test func jitterIsTheSameForTheSameValueAndSpreadsOverItsRange() {
        let policy = Self.policy(jitter: .seconds(100))
        let added = (0..<1_000).map { policy.addedLifetime(ofKey: "key:\($0)", createdAt: 1_700_000_000) }
        #expect(added == (0..<1_000).map { policy.addedLifetime(ofKey: "key:\($0)", createdAt: 1_700_000_000) })
        #expect(added.allSatisfy { $0 >= 0 && $0 < 100 })
        #expect(added.min()! < 5 && added.max()! > 95)
        // The creation time matters too: the same key created later gets another amount.
        #expect(policy.addedLifetime(ofKey: "key:0", createdAt: 1_700_000_001) != added[0])
        #expect(CreationPolicy().addedLifetime(ofKey: "key:0", createdAt: 1) == 0)
    }

    @Test(arguments: [false, true])
    func jitterExtendsEachValuesLifetimeAlikeInEveryRegion(storesBytes: Bool) async throws {
        let clock = ManualCacheClock(now: 1_000)
        let backend: any AsyncCacheBackend = storesBytes ? BytesMemoryBackend() : MemoryBackend()
        let policy = Self.policy(jitter: .seconds(100))
        let writer = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock, policy: policy)
        let reader = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock, policy: policy)
        let keys = (0..<200).map { "key:\($0)" }
        for key in keys {
            let _: String = try await writer.getOrCreate(key) { "v" }
        }
        clock.advance(by: 60)
        var fresh = 0
        for key in keys {
            let expected = 50 <= policy.addedLifetime(ofKey: key, createdAt: 1_000)
            #expect(try await reader.get(key, as: String.self) != nil ? expected : !expected, "\(key)")
            let served = try await writer.getOrCreate(key, policy: policy) { "new" }
            #expect(served == (expected ? "v" : "new"), "\(key)")
            fresh += expected ? 1 : 0
        }
        #expect((60...140).contains(fresh), "\(fresh) of 200 still fresh 50 s into a jitter of 100 s")
        // A call's own policy replaces the region's: without jitter, a value jitter kept fresh is
        // past its 10 s.
        let kept = try #require(keys.first { 50 <= policy.addedLifetime(ofKey: $0, createdAt: 1_000) })
        #expect(try await writer.getOrCreate(kept) { "newest" } == "v")
        #expect(try await writer.getOrCreate(kept, policy: CreationPolicy()) { "newest" } == "newest")
    }

    @Test(arguments: [true, false])
    func withoutStaleServingEveryCallerWaitsForTheNewValue(servesStale: Bool) async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(
            backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock, policy: Self.policy(servesStale: servesStale)
        )
        try await region.set("k", "old")
        clock.advance(by: 20)
        let gate = CreationGate()
        let regenerating = try await startParkedCreation(in: region, key: "k", gate: gate, returning: "new")
        let other = Task { try await region.getOrCreate("k") { "unused" } }
        if servesStale {
            #expect(try await other.value == "old")
        } else {
            try await waitUntil { region.statistics.coalescedWaiters == 1 }
        }
        gate.open()
        #expect(try await regenerating.value == "new")
        #expect(try await other.value == (servesStale ? "old" : "new"))
        #expect(region.statistics.staleServed == (servesStale ? 1 : 0))
        // Both callers are counted once each: a caller that waits for the new value is a miss.
        #expect(region.statistics.misses == (servesStale ? 1 : 2))
        #expect(region.statistics.coalescedWaiters == (servesStale ? 0 : 1))
    }

    @Test func withoutStaleServingBackgroundRefreshWaitsToo() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(
            backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock,
            backgroundRefresh: true, policy: Self.policy(servesStale: false)
        )
        try await region.set("k", "old")
        clock.advance(by: 20)
        #expect(try await region.getOrCreate("k") { "new" } == "new")
        #expect(try await region.getOrCreateMulti(["k", "m"]) { $0.map { "\($0) multi" } } == ["new", "m multi"])
    }

    @Test func cachedFunctionsTakeAPolicyOfTheirOwn() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock, backgroundRefresh: true)
        let calls = CreatorLog()
        let refreshing = region.cacheOnArguments(name: "refreshing") { (id: Int) in
            calls.record()
            return "\(id) #\(calls.calls)"
        }
        let waiting = region.cacheOnArguments(name: "waiting", policy: Self.policy(servesStale: false)) { (id: Int) in
            calls.record()
            return "\(id) #\(calls.calls)"
        }
        let many = region.cacheMultiOnArguments(name: "many", policy: Self.policy(servesStale: false)) { (ids: [Int]) in
            calls.record()
            return ids.map { "\($0) #\(calls.calls)" }
        }
        #expect(try await refreshing(1) == "1 #1")
        #expect(try await waiting(1) == "1 #2")
        #expect(try await many([1]) == ["1 #3"])
        clock.advance(by: 20)
        // Background refresh serves the stale value to the caller that refreshes it ...
        #expect(try await refreshing(1) == "1 #1")
        // ... unless the function's policy serves no stale values: then the caller waits.
        #expect(try await waiting(1) == "1 #5")
        #expect(try await many([1]) == ["1 #6"])
    }

    @Test func durationsReadBackAsSetAndAHugeOneDoesNotTrap() {
        var policy = CreationPolicy()
        policy.softTimeout = .milliseconds(250)
        policy.failSafeThrottle = .seconds(7)
        #expect(policy.softTimeout == .milliseconds(250) && policy.failSafeThrottle == .seconds(7))
        policy.hardTimeout = .seconds(Int64.max)
        #expect(policy.hardTimeout! >= .seconds(9_000_000_000))
        #expect(CreationPolicy().failSafeThrottle == .seconds(30) && CreationPolicy().hardTimeout == nil)
    }

    @Test func aNegativeJitterIsRefused() async throws {
        let region = CacheRegion()
        await #expect(throws: CacheError(.invalidConfiguration, "")) {
            try await region.configure(backend: MemoryBackend(), policy: Self.policy(jitter: .seconds(-1)))
        }
        try await region.configure(backend: MemoryBackend())
        await #expect(throws: CacheError(.invalidConfiguration, "")) {
            try await region.getOrCreate("k", policy: Self.policy(jitter: .seconds(-1))) { "v" }
        }
    }
}
