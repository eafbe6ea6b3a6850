import DogpileCache
import DogpileCacheTesting
import Testing

@Suite struct RegionAccessTests {
    @Test func setGetDelete() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        #expect(try await region.get("k", as: String.self) == nil)
        try await region.set("k", "v")
        #expect(try await region.get("k", as: String.self) == "v")
        try await region.delete("k")
        try await region.delete("k")
        #expect(try await region.get("k", as: String.self) == nil)
    }

    @Test func valueOfAnotherTypeIsAbsent() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        try await region.set("k", 42)
        #expect(try await region.get("k", as: String.self) == nil)
        #expect(try await region.get("k", as: Int.self) == 42)
        // getOrCreate treats a value of another type as missing and replaces it.
        #expect(try await region.getOrCreate("k") { "now a string" } == "now a string")
        #expect(try await region.get("k", as: String.self) == "now a string")
    }

    @Test func hitAsASupertypeOfTheStoredValue() async throws {
        class Animal: @unchecked Sendable {}
        final class Dog: Animal, @unchecked Sendable {}
        let region = try CacheRegion(backend: MemoryBackend())
        let dog = Dog()
        try await region.set("pet", dog)
        let animal = try await region.getOrCreate("pet", as: Animal.self) { Animal() }
        #expect(animal === dog)
        #expect(region.statistics.creations == 0)
        #expect(region.statistics.hits == 1)
    }

    @Test func multiOperationsKeepOrder() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        #expect(try await region.getMulti([], as: Int.self).isEmpty)
        try await region.setMulti(["a": 1, "c": 3])
        #expect(try await region.getMulti(["a", "b", "c", "a"], as: Int.self) == [1, nil, 3, 1])
        try await region.deleteMulti(["a", "missing"])
        #expect(try await region.getMulti(["a", "c"], as: Int.self) == [nil, 3])
        try await region.setMulti([String: Int]())
        try await region.deleteMulti([])
    }

    @Test func setMultiStampsOneCreationTime() async throws {
        let clock = ManualCacheClock(now: 500)
        let region = try CacheRegion(backend: MemoryBackend(), clock: clock)
        try await region.setMulti(["a": 1, "b": 2])
        #expect(try await region.valueMetadata("a", as: Int.self)?.creationTime == 500)
        #expect(try await region.valueMetadata("b", as: Int.self)?.creationTime == 500)
    }

    @Test func statisticsCountHitsMissesAndCreations() async throws {
        let region = try CacheRegion(backend: MemoryBackend())
        _ = try await region.getOrCreate("k") { 1 }
        _ = try await region.getOrCreate("k") { 2 }
        _ = try await region.get("missing", as: Int.self)
        let statistics = region.statistics
        #expect(statistics.misses == 2)
        #expect(statistics.hits == 1)
        #expect(statistics.creations == 1)
        #expect(statistics.backendErrors == 0)
        #expect(statistics.description.contains("hits=1"))
    }
}

@Suite struct FormatVersionTests {
    @Test func valueOfAnotherFormatVersionIsAMissForEveryRead() async throws {
        let backend = MemoryBackend()
        let region = try CacheRegion(backend: backend)
        try await backend.set("k", CachedValue(payload: "old format", creationTime: 1, version: CachedValue.currentVersion + 1))
        #expect(try await region.get("k", as: String.self) == nil)
        #expect(try await region.get("k", as: String.self, ignoreExpiration: true) == nil)
        #expect(try await region.getMulti(["k"], as: String.self) == [nil])
        #expect(try await region.getOrCreate("k") { "regenerated" } == "regenerated")
        #expect(try await backend.get("k")?.version == CachedValue.currentVersion)
    }

    @Test func payloadReadsBackByExactTypeAndBySupertype() {
        class Animal: @unchecked Sendable {}
        final class Dog: Animal, @unchecked Sendable {}
        let value = CachedValue(payload: Dog(), creationTime: 0)
        #expect(value.payload(as: Dog.self) != nil)
        #expect(value.payload(as: Animal.self) != nil)
        #expect(value.payload(as: String.self) == nil)
    }
}
