import DogpileCache
import DogpileCacheTesting
import Testing

@Suite struct BackendFailureTests {
    @Test func failOpenReturnsTheCreatorsValue() async throws {
        let region = try CacheRegion(backend: FailingBackend())
        #expect(try await region.getOrCreate("k") { "created" } == "created")
        #expect(try await region.getOrCreateMulti(["a", "b"]) { $0 } == ["a", "b"])
        #expect(try await region.get("k", as: String.self) == nil)
        #expect(try await region.getMulti(["k"], as: String.self) == [nil])
        // read + store for getOrCreate, read + store for the multi call, then the two reads.
        #expect(region.statistics.backendErrors == 6)
    }

    @Test func propagateThrowsTheBackendError() async throws {
        let region = try CacheRegion(backend: FailingBackend(), backendErrors: .propagate)
        await #expect(throws: InjectedFailure()) {
            try await region.getOrCreate("k") { "created" }
        }
        await #expect(throws: InjectedFailure()) {
            try await region.get("k", as: String.self)
        }
    }

    @Test func propagatedWriteFailureReachesEveryWaiter() async throws {
        struct ReadsMissWritesFail: AsyncCacheBackend {
            func get(_ key: String) async throws -> CachedValue? { nil }
            func set(_ key: String, _ value: CachedValue) async throws { throw InjectedFailure() }
            func delete(_ key: String) async throws {}
        }
        let region = try CacheRegion(backend: ReadsMissWritesFail(), backendErrors: .propagate)
        await #expect(throws: InjectedFailure()) {
            try await region.getOrCreate("k") { 1 }
        }
    }

    @Test func explicitWritesAlwaysThrow() async throws {
        let region = try CacheRegion(backend: FailingBackend())
        await #expect(throws: InjectedFailure()) { try await region.set("k", 1) }
        await #expect(throws: InjectedFailure()) { try await region.delete("k") }
        await #expect(throws: InjectedFailure()) { try await region.setMulti(["k": 1]) }
        await #expect(throws: InjectedFailure()) { try await region.deleteMulti(["k"]) }
    }
}
