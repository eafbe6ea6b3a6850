import DogpileCache
import DogpileCacheTesting
import Testing

/// `statistics.hits` counts every fresh value served, on each read path and each backend, whatever
/// thread served it; a stored value that the caller cannot read as its type is no hit.
@Suite struct HitCountTests {
    @Test(arguments: RaceBackend.allCases)
    func everyReadPathCountsItsHits(backend: RaceBackend) async throws {
        let region = try backend.region()
        try await region.set("k", "v")
        try await region.setMulti(["a": "1", "b": "2"])
        let cached = region.cacheOnArguments(name: "double") { (id: Int) async throws -> Int in id * 2 }
        _ = try await cached(21)  // a miss

        #expect(try await region.getOrCreate("k") { "created" } == "v")
        #expect(try await region.get("k", as: String.self) == "v")
        #expect(try await region.getOrCreateMulti(["a", "b", "missing"]) { $0.map { "made \($0)" } } == ["1", "2", "made missing"])
        #expect(try await cached(21) == 42)
        #expect(region.statistics.hits == 5)
        #expect(region.statistics.misses == 2)
    }

    @Test(arguments: RaceBackend.allCases)
    func aValueOfAnotherTypeIsNoHit(backend: RaceBackend) async throws {
        let region = try backend.region()
        try await region.set("k", "text")
        #expect(try await region.getOrCreate("k") { 7 } == 7)  // replaces the text
        #expect(region.statistics.hits == 0)
        #expect(try await region.getOrCreate("k") { 8 } == 7)
        #expect(region.statistics.hits == 1)
    }

    @Test(.timeLimit(.minutes(1)), arguments: RaceBackend.allCases)
    func hitsOnManyThreadsAddUp(backend: RaceBackend) async throws {
        let region = try backend.region()
        try await region.set("k", 1)
        let tasks = 8
        let perTask = 2_000
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<tasks {
                group.addTask {
                    for round in 0..<perTask {
                        _ = try await region.getOrCreate("k") { -1 }
                        if round % 100 == 0 { await Task.yield() }  // lets the task move to another thread
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(region.statistics.hits == tasks * perTask)
    }
}
