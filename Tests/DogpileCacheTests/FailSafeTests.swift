@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// Fail-safe (issue rule 1): a failed creation is answered with a recently expired value, which is
/// then served as if fresh for the throttle, on `ManualCacheClock` and parked creators.
@Suite(.timeLimit(.minutes(1)))
struct FailSafeTests {
    static func policy(maxStaleness: Duration = .seconds(60), servesStale: Bool = true) -> CreationPolicy {
        var policy = CreationPolicy()
        policy.failSafeMaxStaleness = maxStaleness
        policy.failSafeThrottle = .seconds(30)
        policy.servesStale = servesStale
        return policy
    }

    /// A region on `backend` whose "k" holds "old" (and each of `others` holds "old" and its own
    /// name), expired `expiredFor` seconds ago.
    static func regionWithExpiredValue(
        expiredFor: Double,
        policy: CreationPolicy,
        backend: any AsyncCacheBackend = MemoryBackend(),
        others: [String] = []
    ) async throws -> (CacheRegion, ManualCacheClock) {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock, policy: policy)
        try await region.set("k", "old")
        for key in others {
            try await region.set(key, "old \(key)")
        }
        clock.advance(by: 10 + expiredFor)
        return (region, clock)
    }

    @Test(arguments: [false, true])
    func everyCallerOfAFailedCreationGetsTheStaleValue(storesBytes: Bool) async throws {
        let (region, _) = try await Self.regionWithExpiredValue(
            expiredFor: 30, policy: Self.policy(servesStale: false), backend: storesBytes ? BytesMemoryBackend() : MemoryBackend()
        )
        let gate = CreationGate()
        let creator = Task {
            try await region.getOrCreate("k") { () async throws -> String in
                await gate.wait()
                throw InjectedFailure()
            }
        }
        try await waitUntil { try await region.isKeyLocked("k") }
        // Never-stale: this caller waits for the creation instead of taking the stale value ...
        let joiner = Task { try await region.getOrCreate("k") { "unused" } }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        gate.open()
        // ... and both get the fail-safe value when it fails; nothing is stored for the error.
        #expect(try await creator.value == "old")
        #expect(try await joiner.value == "old")
        #expect(region.statistics.failSafeServed == 1)
        #expect(try await region.get("k", as: String.self, ignoreExpiration: true) == "old")
    }

    @Test func theThrottleServesTheValueAsFreshWithoutCallingTheCreator() async throws {
        let (region, clock) = try await Self.regionWithExpiredValue(expiredFor: 5, policy: Self.policy())
        let calls = CreatorLog()
        let failing: @Sendable () async throws -> String = {
            calls.record()
            throw InjectedFailure()
        }
        #expect(try await region.getOrCreate("k", creator: failing) == "old")
        #expect(calls.calls == 1)
        clock.advance(by: 29)
        #expect(try await region.getOrCreate("k", creator: failing) == "old")
        #expect(calls.calls == 1, "within the 30 s throttle the creator is not called")
        #expect(region.statistics.failSafeServed == 2)
        clock.advance(by: 2)
        // Past the throttle the creator is tried again; 36 s past expiry is still within 60 s.
        #expect(try await region.getOrCreate("k", creator: failing) == "old")
        #expect(calls.calls == 2)
        clock.advance(by: 31)
        #expect(try await region.getOrCreate("k") { "new" } == "new")
        #expect(try await region.get("k", as: String.self) == "new")
    }

    @Test func aValueExpiredLongerAgoThanTheMaximumOrNoneAtAllLetsTheErrorThrough() async throws {
        let (region, _) = try await Self.regionWithExpiredValue(expiredFor: 61, policy: Self.policy())
        await #expect(throws: InjectedFailure.self) {
            try await region.getOrCreate("k") { () async throws -> String in throw InjectedFailure() }
        }
        await #expect(throws: InjectedFailure.self) {
            try await region.getOrCreate("missing") { () async throws -> String in throw InjectedFailure() }
        }
        // Without fail-safe in the call's policy, a recent value does not help either.
        let (recent, _) = try await Self.regionWithExpiredValue(expiredFor: 1, policy: CreationPolicy())
        await #expect(throws: InjectedFailure.self) {
            try await recent.getOrCreate("k", policy: CreationPolicy()) { () async throws -> String in throw InjectedFailure() }
        }
        #expect(region.statistics.failSafeServed == 0 && recent.statistics.failSafeServed == 0)
    }

    @Test func aCreationsOwnLifetimeIsWhatFailSafeMeasuresFrom() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: BytesMemoryBackend(), expirationTime: .seconds(10), clock: clock, policy: Self.policy())
        let _: String = try await region.getOrCreate("k") { context in
            context.expirationTime = .seconds(100)
            return "decided"
        }
        // 150 s after creation: expired 50 s ago by its own lifetime (140 s by the region's).
        clock.advance(by: 150)
        #expect(try await region.getOrCreate("k") { () async throws -> String in throw InjectedFailure() } == "decided")
    }

    @Test func aMultiCreatorThatFailsServesTheStaleValuesItHas() async throws {
        let (region, _) = try await Self.regionWithExpiredValue(expiredFor: 5, policy: Self.policy(), others: ["j"])
        let failing: @Sendable ([String]) async throws -> [String] = { _ in throw InjectedFailure() }
        #expect(try await region.getOrCreateMulti(["k", "j"], creator: failing) == ["old", "old j"])
        #expect(region.statistics.failSafeServed == 2)
        // A key with no value gets the error, and so the call throws.
        await #expect(throws: InjectedFailure.self) {
            try await region.getOrCreateMulti(["missing"], creator: failing)
        }
    }

    @Test func cachedFunctionsFailSafeWithTheirPolicy() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock)
        let source = LockedValue<Bool>(true)
        let load = region.cacheOnArguments(name: "load", policy: Self.policy()) { (id: Int) async throws -> String in
            guard source.withLock({ $0 }) else { throw InjectedFailure() }
            return "loaded \(id)"
        }
        #expect(try await load(1) == "loaded 1")
        source.withLock { $0 = false }
        clock.advance(by: 20)
        #expect(try await load(1) == "loaded 1")
        #expect(region.statistics.failSafeServed == 1)
    }

    @Test func aNegativeMaximumIsRefused() async throws {
        #expect(throws: CacheError(.invalidConfiguration, "")) {
            _ = try CacheRegion(backend: MemoryBackend(), policy: Self.policy(maxStaleness: .seconds(-1)))
        }
    }
}
