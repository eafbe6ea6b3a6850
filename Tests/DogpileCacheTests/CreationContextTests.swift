@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// A creator that decides its value's lifetime and whether to store it, in a `CreationContext`
/// (issue rule 5), on an in-process store and on a byte-storing one, where the lifetime travels in
/// the value record.
@Suite(.timeLimit(.minutes(1)))
struct CreationContextTests {
    static let backends: [@Sendable () -> any AsyncCacheBackend] = [{ MemoryBackend() }, { BytesMemoryBackend() }]

    @Test(arguments: 0..<2)
    func theValuesExpirationReplacesTheCallsAndTheRegions(backendIndex: Int) async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: Self.backends[backendIndex](), expirationTime: .seconds(10), clock: clock)
        let log = CreatorLog()
        let create: @Sendable (inout CreationContext) async throws -> String = { context in
            log.record([context.key])
            context.expirationTime = .seconds(100)
            return "made \(log.calls)"
        }
        #expect(try await region.getOrCreate("page", expirationTime: .seconds(5), creator: create) == "made 1")
        clock.advance(by: 50)
        // Past the call's 5 s and the region's 10 s, within the value's own 100 s: still fresh.
        #expect(try await region.getOrCreate("page", expirationTime: .seconds(5), creator: create) == "made 1")
        #expect(try await region.get("page", as: String.self) == "made 1")
        #expect(log.calls == 1)
        #expect(log.keysPerCall == [["page"]])
        clock.advance(by: 51)
        // Past its own expiration: stale, so the caller regenerates it.
        #expect(try await region.get("page", as: String.self) == nil)
        #expect(try await region.getOrCreate("page", creator: create) == "made 2")
        #expect(log.calls == 2)
    }

    @Test(arguments: 0..<2)
    func shouldCacheFalseReturnsTheValueAndKeepsTheOldOne(backendIndex: Int) async throws {
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: Self.backends[backendIndex](), expirationTime: .seconds(10), clock: clock)
        try await region.set("k", "old")
        clock.advance(by: 20)
        let value: String = try await region.getOrCreate("k") { context in
            context.shouldCache = false
            return "not stored"
        }
        #expect(value == "not stored")
        #expect(try await region.get("k", as: String.self, ignoreExpiration: true) == "old")
        // A creator that sets nothing stores as a plain one does.
        let stored: String = try await region.getOrCreate("k") { _ in "stored" }
        #expect(stored == "stored")
        #expect(try await region.get("k", as: String.self) == "stored")
    }

    @Test func anotherRegionOnTheSameBytesReadsTheSameLifetime() async throws {
        let clock = ManualCacheClock(now: 1_000)
        let backend = BytesMemoryBackend()
        let writer = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock)
        let reader = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock)
        let _: String = try await writer.getOrCreate("k") { context in
            context.expirationTime = .never
            return "forever"
        }
        clock.advance(by: 1_000_000)
        #expect(try await reader.get("k", as: String.self) == "forever")
        #expect(try await reader.getOrCreate("k") { "replaced" } == "forever")
    }

    @Test func anExpirationThatIsNotATimeFailsTheCreationAndStoresNothing() async throws {
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10))
        await #expect(throws: CacheError(.invalidConfiguration, "")) {
            let _: String = try await region.getOrCreate("k") { context in
                context.expirationTime = .seconds(-1)
                return "bad"
            }
        }
        #expect(try await region.get("k", as: String.self) == nil)
    }
}
