import DogpileCache
import DogpileCacheTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct GetOrCreateMultiTests {
    @Test(arguments: RaceBackend.allCases) func createsOnlyMissingKeysInOneCallAndAnswersInInputOrder(backend: RaceBackend) async throws {
        let region = try backend.region()
        try await region.setMulti(["b": "cached b", "d": "cached d"])
        let log = CreatorLog()
        let values = try await region.getOrCreateMulti(["a", "b", "c", "a", "d"]) { keys in
            log.record(keys)
            return keys.map { "new \($0)" }
        }
        #expect(values == ["new a", "cached b", "new c", "new a", "cached d"])
        #expect(log.keysPerCall == [["a", "c"]])
        #expect(try await region.getMulti(["a", "c"], as: String.self) == ["new a", "new c"])
    }

    @Test(arguments: RaceBackend.allCases) func allCachedCallsNoCreator(backend: RaceBackend) async throws {
        let region = try backend.region()
        try await region.setMulti(["a": 1, "b": 2])
        let values = try await region.getOrCreateMulti(["b", "a"]) { _ -> [Int] in
            Issue.record("creator called although every key is cached")
            return []
        }
        #expect(values == [2, 1])
        #expect(try await region.getOrCreateMulti([]) { _ -> [Int] in [] }.isEmpty)
    }

    @Test(arguments: RaceBackend.allCases) func overlappingConcurrentCallsCreateEachKeyOnce(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let log = CreatorLog()
        let creator: @Sendable ([String]) async throws -> [String] = { keys in
            log.record(keys)
            await gate.wait()
            return keys.map { "v\($0)" }
        }
        let first = Task { try await region.getOrCreateMulti(["a", "b", "c"], creator: creator) }
        try await waitUntil { gate.parked == 1 }
        let second = Task { try await region.getOrCreateMulti(["b", "c", "d"], creator: creator) }
        try await waitUntil { gate.parked == 2 }
        gate.open()
        #expect(try await first.value == ["va", "vb", "vc"])
        #expect(try await second.value == ["vb", "vc", "vd"])
        #expect(log.keysPerCall == [["a", "b", "c"], ["d"]])
        #expect(region.statistics.coalescedWaiters == 2)
    }

    @Test(arguments: RaceBackend.allCases) func singleAndMultiCallsShareFlights(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let log = CreatorLog()
        let single = Task {
            try await region.getOrCreate("a") {
                log.record(["a"])
                await gate.wait()
                return "single a"
            }
        }
        try await waitUntil { gate.parked == 1 }
        let multi = Task {
            try await region.getOrCreateMulti(["a", "b"]) { keys in
                log.record(keys)
                return keys.map { "multi \($0)" }
            }
        }
        try await waitUntil { try await region.get("b", as: String.self) != nil }
        gate.open()
        #expect(try await multi.value == ["single a", "multi b"])
        #expect(try await single.value == "single a")
        #expect(log.keysPerCall == [["a"], ["b"]])
    }

    @Test(arguments: RaceBackend.allCases) func wrongCountIsAClearErrorAndNothingIsStored(backend: RaceBackend) async throws {
        let region = try backend.region()
        let error = await #expect(throws: CacheError.self) {
            try await region.getOrCreateMulti(["a", "b", "c"]) { _ in [1, 2] }
        }
        #expect(error?.code == .creatorResultCountMismatch)
        #expect(error?.message.contains("2 values for 3 keys") == true)
        #expect(try await region.getMulti(["a", "b", "c"], as: Int.self) == [nil, nil, nil])
        #expect(try await region.getOrCreateMulti(["a"]) { keys in keys.map { _ in 9 } } == [9])
    }

    @Test(arguments: RaceBackend.allCases) func creatorErrorFailsEveryKeyOfTheCall(backend: RaceBackend) async throws {
        let region = try backend.region()
        await #expect(throws: CreatorFailure(attempt: 1)) {
            try await region.getOrCreateMulti(["a", "b"]) { _ -> [Int] in throw CreatorFailure(attempt: 1) }
        }
        #expect(try await region.getOrCreateMulti(["a", "b"]) { keys in keys.map { _ in 1 } } == [1, 1])
    }

    @Test(arguments: RaceBackend.allCases) func staleKeysAreServedWhileAnotherCallRegeneratesThem(backend: RaceBackend) async throws {
        let clock = ManualCacheClock()
        let region = try backend.region(expirationTime: .seconds(10), clock: clock)
        try await region.setMulti(["a": "old a", "b": "old b"])
        clock.advance(by: 11)
        let gate = CreationGate()
        let regenerating = Task {
            try await region.getOrCreateMulti(["a", "b"]) { keys in
                await gate.wait()
                return keys.map { "new \($0)" }
            }
        }
        try await waitUntil { gate.parked == 1 }
        let values = try await region.getOrCreateMulti(["a", "b"]) { keys in keys.map { "unused \($0)" } }
        #expect(values == ["old a", "old b"])
        gate.open()
        #expect(try await regenerating.value == ["new a", "new b"])
        #expect(try await region.getMulti(["a", "b"], as: String.self) == ["new a", "new b"])
    }

    @Test(arguments: RaceBackend.allCases) func shouldCacheFiltersPerValue(backend: RaceBackend) async throws {
        let region = try backend.region()
        let values = try await region.getOrCreateMulti(["a", "b"], shouldCache: { $0 > 0 }) { _ in [1, -1] }
        #expect(values == [1, -1])
        #expect(try await region.getMulti(["a", "b"], as: Int.self) == [1, nil])
    }

    @Test(arguments: RaceBackend.allCases) func creatorAskingForOneOfItsKeysGetsAClearError(backend: RaceBackend) async throws {
        let region = try backend.region()
        let error = await #expect(throws: CacheError.self) {
            try await region.getOrCreateMulti(["x", "y"]) { keys -> [Int] in
                _ = try await region.getOrCreate("y") { 1 }
                return keys.map { _ in 0 }
            }
        }
        #expect(error?.code == .recursiveCreation)
    }
}
