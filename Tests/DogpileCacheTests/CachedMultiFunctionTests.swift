import DogpileCache
import DogpileCacheTesting
import Testing

@Suite(.timeLimit(.minutes(1))) struct CachedMultiFunctionTests {
    let region = try! CacheRegion(backend: MemoryBackend())

    @Test func keysPerArgument() throws {
        let plain = region.cacheMultiOnArguments(name: "users") { (ids: [Int]) async throws -> [String] in ids.map(String.init) }
        let spaced = region.cacheMultiOnArguments(name: "users", namespace: "v2") { (ids: [String]) async throws -> [String] in ids }
        #expect(try plain.keys([1, 2]) == ["DogpileCacheTests:users|1", "DogpileCacheTests:users|2"])
        #expect(try spaced.keys(["a b"]) == [#"DogpileCacheTests:users|v2|a\ b"#])
    }

    @Test func functionGetsOnlyTheMissingArgumentsOnce() async throws {
        let calls = CreatorLog()
        let square = region.cacheMultiOnArguments(name: "square") { (numbers: [Int]) async throws -> [Int] in
            calls.record(numbers.map(String.init))
            return numbers.map { $0 * $0 }
        }
        try await square.set([2: 4, 4: 16, 6: 36, 8: 64])
        let arguments = Array(1...10)
        #expect(try await square(arguments) == arguments.map { $0 * $0 })
        #expect(calls.keysPerCall == [["1", "3", "5", "7", "9", "10"]])
        #expect(try await square(arguments) == arguments.map { $0 * $0 })
        #expect(calls.calls == 1)
    }

    @Test func resultsInArgumentOrderWithDuplicates() async throws {
        let echo = region.cacheMultiOnArguments(name: "echo") { (words: [String]) async throws -> [String] in
            words.map { $0.uppercased() }
        }
        #expect(try await echo(["b", "a", "b"]) == ["B", "A", "B"])
        #expect(try await echo([]) == [])
    }

    @Test func dictionaryFormLeavesOutWhatTheFunctionDidNotReturn() async throws {
        let calls = CreatorLog()
        let lookUp = region.cacheMultiOnArguments(name: "lookUp") { (ids: [Int]) async throws -> [Int: String] in
            calls.record(ids.map(String.init))
            var found: [Int: String] = [:]
            for id in ids where id % 2 == 0 {
                found[id] = "user \(id)"
            }
            return found
        }
        #expect(try await lookUp([1, 2, 3, 4]) == [2: "user 2", 4: "user 4"])
        #expect(try await lookUp.get([1, 2, 3, 4]) == [nil, "user 2", nil, "user 4"])
        #expect(try await lookUp([1, 2]) == [2: "user 2"])
        #expect(calls.keysPerCall == [["1", "2", "3", "4"], ["1"]])
    }

    @Test func invalidateRefreshSetAndGet() async throws {
        let calls = CreatorLog()
        let tag = region.cacheMultiOnArguments(name: "tag") { (ids: [Int]) async throws -> [String] in
            calls.record()
            return ids.map { "\($0)#\(calls.calls)" }
        }
        #expect(try await tag([1, 2]) == ["1#1", "2#1"])
        try await tag.invalidate([1])
        #expect(try await tag.get([1, 2]) == [nil, "2#1"])
        #expect(try await tag.refresh([2, 3]) == ["2#2", "3#2"])
        #expect(try await tag([1, 2, 3]) == ["1#3", "2#2", "3#2"])
        try await tag.set([5: "five"])
        #expect(try await tag([5]) == ["five"])
        #expect(calls.calls == 3)
    }

    @Test func twoMultiWrappersThatWouldShareKeysAreToldApart() async throws {
        let first = region.cacheMultiOnArguments(name: "same") { (ids: [Int]) async throws -> [Int] in ids }
        let second = region.cacheMultiOnArguments(name: "same") { (ids: [Int]) async throws -> [Int] in ids.map { -$0 } }
        #expect(try await first([1]) == [1])
        let error = await #expect(throws: CacheError.self) { try await second([1]) }
        #expect(error?.code == .keyCollision)
    }

    @Test func singleAndMultiWrappersOfOtherTypesCannotShareKeys() async throws {
        let single = region.cacheOnArguments(name: "mixed") { (id: Int) async throws -> String in "\(id)" }
        let multi = region.cacheMultiOnArguments(name: "mixed") { (ids: [Int]) async throws -> [Int] in ids }
        #expect(try await single(1) == "1")
        let error = await #expect(throws: CacheError.self) { try await multi([1]) }
        #expect(error?.code == .keyCollision)
    }

    @Test func argumentsThatACustomGeneratorGivesOneKeyAreRefused() async throws {
        let caseless = FunctionKeyGenerator { function, arguments in function.name + "|" + arguments[0].lowercased() }
        let calls = CreatorLog()
        let lookUp = region.cacheMultiOnArguments(name: "caseless", keyGenerator: caseless) { (names: [String]) async throws -> [String] in
            calls.record(names)
            return names
        }
        let error = await #expect(throws: CacheError.self) { try await lookUp(["a", "A"]) }
        #expect(error?.code == .keyCollision)
        await #expect(throws: CacheError.self) { try await lookUp.set(["b": "x", "B": "y"]) }
        #expect(try await lookUp(["a", "a"]) == ["a", "a"])  // the same argument twice is fine
        #expect(calls.keysPerCall == [["a"]])
    }

    @Test func staleValuesAreServedWhileOneCallRefreshesThem() async throws {
        let clock = ManualCacheClock()
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock)
        let gate = CreationGate()
        let calls = CreatorLog()
        let version = region.cacheMultiOnArguments(name: "version") { (ids: [Int]) async throws -> [String] in
            calls.record()
            if calls.calls > 1 { await gate.wait() }
            return ids.map { "v\(calls.calls) of \($0)" }
        }
        #expect(try await version([1, 2]) == ["v1 of 1", "v1 of 2"])
        clock.advance(by: 11)
        let refreshing = Task { try await version([1, 2]) }
        try await waitUntil { gate.parked == 1 }
        #expect(try await version([1, 2]) == ["v1 of 1", "v1 of 2"])
        gate.open()
        #expect(try await refreshing.value == ["v2 of 1", "v2 of 2"])
        #expect(calls.calls == 2)
    }

    @Test func wrongCountIsAClearError() async throws {
        let broken = region.cacheMultiOnArguments(name: "broken") { (ids: [Int]) async throws -> [Int] in [1] }
        let error = await #expect(throws: CacheError.self) { try await broken([1, 2]) }
        #expect(error?.code == .creatorResultCountMismatch)
    }

    @Test func multiCallsJoinFlightsOfSingleWrappersForTheSameKeys() async throws {
        let gate = CreationGate()
        let calls = CreatorLog()
        let single = region.cacheOnArguments(name: "profile") { (id: Int) async throws -> String in
            calls.record(["single \(id)"])
            await gate.wait()
            return "profile \(id)"
        }
        let many = region.cacheMultiOnArguments(name: "profile") { (ids: [Int]) async throws -> [String] in
            calls.record(ids.map { "multi \($0)" })
            return ids.map { "profile \($0)" }
        }
        let first = Task { try await single(1) }
        try await waitUntil { gate.parked == 1 }
        let both = Task { try await many([1, 2]) }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        gate.open()
        #expect(try await first.value == "profile 1")
        #expect(try await both.value == ["profile 1", "profile 2"])
        #expect(calls.keysPerCall == [["single 1"], ["multi 2"]])
    }
}
