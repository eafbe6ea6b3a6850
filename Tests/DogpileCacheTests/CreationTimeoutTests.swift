@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// Soft and hard timeouts (issue rules 2, 3 and 8), on `ManualCacheClock`, whose sleepers wake
/// only when the test advances it, and parked creators.
@Suite(.timeLimit(.minutes(1)))
struct CreationTimeoutTests {
    static func policy(
        soft: Duration? = nil,
        hard: Duration? = nil,
        failSafe: Duration? = nil,
        servesStale: Bool = true
    ) -> CreationPolicy {
        var policy = CreationPolicy()
        policy.softTimeout = soft
        policy.hardTimeout = hard
        policy.failSafeMaxStaleness = failSafe
        policy.servesStale = servesStale
        return policy
    }

    /// A region with `policy` whose "k" holds "old" when `stale`, expired 10 s ago.
    static func region(policy: CreationPolicy, stale: Bool = true) async throws -> (CacheRegion, ManualCacheClock) {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock, policy: policy)
        if stale {
            try await region.set("k", "old")
        }
        clock.advance(by: 20)
        return (region, clock)
    }

    /// A get-or-create of "k" whose creator parks on `gate`, then returns "new" (or throws).
    static func parked(_ region: CacheRegion, gate: CreationGate, failing: Bool = false) -> Task<String, any Error> {
        Task {
            try await region.getOrCreate("k") { () async throws -> String in
                await gate.wait()
                if failing { throw InjectedFailure() }
                return "new"
            }
        }
    }

    @Test func aSoftTimeoutServesTheStaleValueAndTheCreationStillStores() async throws {
        let (region, clock) = try await Self.region(policy: Self.policy(soft: .seconds(2)))
        let gate = CreationGate()
        let caller = Self.parked(region, gate: gate)
        try await waitUntil { clock.sleepers == 1 && gate.parked == 1 }
        clock.advance(by: 1.9)
        #expect(clock.sleepers == 1, "not yet at the soft timeout")
        clock.advance(by: 0.1)
        #expect(try await caller.value == "old")
        #expect(region.statistics.timeouts == 1)
        #expect(try await region.isKeyLocked("k"), "the creation goes on")
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
        #expect(try await region.get("k", as: String.self) == "new")
    }

    @Test func aHardTimeoutFailsTheWaitButNotTheCreationWhichTheNextCallerJoins() async throws {
        let (region, clock) = try await Self.region(policy: Self.policy(hard: .seconds(5)), stale: false)
        let gate = CreationGate()
        let first = Self.parked(region, gate: gate)
        try await waitUntil { clock.sleepers == 1 && gate.parked == 1 }
        clock.advance(by: 5)
        await #expect(throws: CacheError(.creationTimedOut, "")) { try await first.value }
        let next = Task { try await region.getOrCreate("k") { "another creation" } }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        gate.open()
        #expect(try await next.value == "new")
        #expect(region.statistics.creations == 1 && region.statistics.timeouts == 1)
        #expect(try await region.get("k", as: String.self) == "new")
    }

    @Test func aHardTimeoutFallsBackOnTheFailSafeValue() async throws {
        let (region, clock) = try await Self.region(policy: Self.policy(hard: .seconds(5), failSafe: .seconds(60), servesStale: false))
        let gate = CreationGate()
        let caller = Self.parked(region, gate: gate)
        try await waitUntil { clock.sleepers == 1 && gate.parked == 1 }
        clock.advance(by: 5)
        #expect(try await caller.value == "old")
        #expect(region.statistics.timeouts == 1 && region.statistics.staleServed == 0)
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
    }

    @Test func aSoftTimeoutThenAFailedCreationLeavesTheFailSafeThrottle() async throws {
        let (region, clock) = try await Self.region(policy: Self.policy(soft: .seconds(1), failSafe: .seconds(60)))
        let gate = CreationGate()
        let caller = Self.parked(region, gate: gate, failing: true)
        try await waitUntil { clock.sleepers == 1 && gate.parked == 1 }
        clock.advance(by: 1)
        #expect(try await caller.value == "old")
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
        #expect(region.statistics.failSafeServed == 1)
        // Within the throttle, served without calling the creator.
        let calls = CreatorLog()
        #expect(try await region.getOrCreate("k") { () async throws -> String in calls.record(); return "unused" } == "old")
        #expect(calls.calls == 0)
    }

    @Test func multiCallsTimeOutPerKeyFromOneDeadline() async throws {
        let (region, clock) = try await Self.region(policy: Self.policy(hard: .seconds(5)), stale: false)
        let gate = CreationGate()
        let caller = Task {
            try await region.getOrCreateMulti(["k", "m"]) { (keys: [String]) async throws -> [String] in
                await gate.wait()
                return keys
            }
        }
        try await waitUntil { clock.sleepers == 1 && gate.parked == 1 }
        clock.advance(by: 5)
        await #expect(throws: CacheError(.creationTimedOut, "")) { try await caller.value }
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
        try await waitUntil { try await !region.isKeyLocked("m") }
        #expect(try await region.getMulti(["k", "m"], as: String.self) == ["k", "m"])
    }
}
