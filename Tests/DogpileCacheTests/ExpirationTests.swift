import DogpileCache
import DogpileCacheTesting
import Testing

@Suite struct ExpirationTests {
    let clock = ManualCacheClock(now: 1_000)

    private func region(expiration: CacheExpiration = .seconds(10)) throws -> CacheRegion {
        try CacheRegion(backend: MemoryBackend(), expirationTime: expiration, clock: clock)
    }

    @Test func valueIsFreshUpToItsExpirationAndStaleAfter() async throws {
        let region = try region()
        try await region.set("k", "v")
        clock.advance(by: 10)  // exactly the expiration: still fresh (stale means strictly older)
        #expect(try await region.get("k", as: String.self) == "v")
        clock.advance(by: 0.001)
        #expect(try await region.get("k", as: String.self) == nil)
        #expect(try await region.get("k", as: String.self, ignoreExpiration: true) == "v")
    }

    @Test func getOrCreateRegeneratesAnExpiredValue() async throws {
        let region = try region()
        let log = CreatorLog()
        let create: @Sendable () async throws -> Int = {
            log.record()
            return log.calls
        }
        #expect(try await region.getOrCreate("k", creator: create) == 1)
        clock.advance(by: 5)
        #expect(try await region.getOrCreate("k", creator: create) == 1)
        clock.advance(by: 6)
        #expect(try await region.getOrCreate("k", creator: create) == 2)
        #expect(log.calls == 2)
    }

    @Test func perCallExpirationOverridesTheRegion() async throws {
        let region = try region(expiration: .seconds(100))
        try await region.set("k", 1)
        clock.advance(by: 20)
        #expect(try await region.get("k", as: Int.self) == 1)
        #expect(try await region.get("k", as: Int.self, expirationTime: .seconds(10)) == nil)
        #expect(try await region.getOrCreate("k", expirationTime: .seconds(10)) { 2 } == 2)
        clock.advance(by: 20)
        #expect(try await region.get("k", as: Int.self, expirationTime: .never) == 2)
        #expect(try await region.getOrCreate("k", expirationTime: .seconds(30)) { 3 } == 2)
        #expect(try await region.getOrCreate("k", expirationTime: .seconds(15)) { 3 } == 3)
    }

    @Test func neverExpires() async throws {
        let region = try region(expiration: .never)
        try await region.set("k", 1)
        clock.advance(by: 1e9)
        #expect(try await region.get("k", as: Int.self) == 1)
        #expect(try await region.getOrCreate("k") { 2 } == 1)
    }

    @Test func zeroExpirationRegeneratesOnceTimeHasPassed() async throws {
        let region = try region(expiration: .seconds(0))
        #expect(try await region.getOrCreate("k") { 1 } == 1)
        #expect(try await region.getOrCreate("k") { 2 } == 1)
        clock.advance(by: 0.5)
        #expect(try await region.getOrCreate("k") { 3 } == 3)
    }

    @Test func hardInvalidationMakesOlderValuesMisses() async throws {
        let region = try region(expiration: .never)
        try await region.set("k", "old")
        clock.advance(by: 1)
        try await region.invalidate(hard: true)
        #expect(try await region.get("k", as: String.self) == nil)
        #expect(try await region.get("k", as: String.self, ignoreExpiration: true) == "old")
        #expect(try await region.getOrCreate("k") { "new" } == "new")
        #expect(try await region.get("k", as: String.self) == "new")
    }

    @Test func valueCreatedAtTheInvalidationInstantSurvives() async throws {
        let region = try region(expiration: .never)
        try await region.invalidate()
        try await region.set("k", "same instant")
        #expect(try await region.get("k", as: String.self) == "same instant")
    }

    @Test func softInvalidationMakesOlderValuesStaleEvenWithoutExpiration() async throws {
        let region = try region(expiration: .never)
        try await region.set("k", "old")
        clock.advance(by: 1)
        try await region.invalidate(hard: false)
        #expect(try await region.get("k", as: String.self) == nil)

        // Stale, not missing: a concurrent caller is served the old value while one regenerates.
        let gate = CreationGate()
        let regenerating = try await startParkedCreation(in: region, key: "k", gate: gate, returning: "new")
        #expect(try await region.getOrCreate("k") { "unused" } == "old")
        gate.open()
        #expect(try await regenerating.value == "new")
        #expect(try await region.get("k", as: String.self) == "new")
    }

    @Test func latestInvalidationWins() async throws {
        let region = try region(expiration: .never)
        try await region.set("k", "old")
        clock.advance(by: 1)
        try await region.invalidate(hard: true)
        try await region.invalidate(hard: false)
        let gate = CreationGate()
        let regenerating = try await startParkedCreation(in: region, key: "k", gate: gate, returning: "new")
        // Soft now: the old value is served, not waited for.
        #expect(try await region.getOrCreate("k") { "unused" } == "old")
        gate.open()
        _ = try await regenerating.value
    }

    @Test func metadataReportsCreationTimeAndAge() async throws {
        let region = try region(expiration: .seconds(60))
        try await region.set("k", "v")
        clock.advance(by: 12.5)
        let metadata = try #require(try await region.valueMetadata("k", as: String.self))
        #expect(metadata.payload == "v")
        #expect(metadata.creationTime == 1_000)
        #expect(metadata.age == 12.5)
        clock.advance(by: 50)
        #expect(try await region.valueMetadata("k", as: String.self) == nil)
        #expect(try await region.valueMetadata("k", as: String.self, ignoreExpiration: true)?.age == 62.5)
    }

    @Test func shouldCacheFalseReturnsWithoutStoringAndKeepsTheOldValue() async throws {
        let region = try region()
        #expect(try await region.getOrCreate("k", shouldCache: { $0 >= 0 }) { -1 } == -1)
        #expect(try await region.get("k", as: Int.self) == nil)
        try await region.set("k", 5)
        clock.advance(by: 11)
        #expect(try await region.getOrCreate("k", shouldCache: { $0 >= 0 }) { -2 } == -2)
        #expect(try await region.get("k", as: Int.self, ignoreExpiration: true) == 5)
        #expect(try await region.getOrCreate("k", shouldCache: { $0 >= 0 }) { 7 } == 7)
        #expect(try await region.get("k", as: Int.self) == 7)
    }

    @Test func customInvalidationStrategyIsUsed() async throws {
        final class EverythingIsHard: RegionInvalidationStrategy {
            func invalidate(hard: Bool, at time: Double) async throws {}
            func invalidation(ofValueCreatedAt creationTime: Double) -> ValueInvalidation { .hard }
        }
        let region = try CacheRegion(backend: MemoryBackend(), clock: clock, invalidationStrategy: EverythingIsHard())
        try await region.set("k", 1)
        #expect(try await region.get("k", as: Int.self) == nil)
        #expect(try await region.getOrCreate("k") { 2 } == 2)
        #expect(try await region.getOrCreate("k") { 3 } == 3)
    }
}
