import DogpileCache
import DogpileCacheTesting
import DogpileMemcached
import DogpileMemcachedTesting
import Testing

@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedBadInputTests {
    static let badKeys = [
        "",
        String(repeating: "k", count: 251),
        "two words",
        "a\r\nflush_all",
        "tab\there",
        "nul\0byte",
        "bell\u{7}",
        "delete\u{7F}",
        "line\n",
    ]

    @Test func badKeysAreRejectedBeforeAnythingIsSent() async throws {
        let server = try await MemcachedServerProcess()
        let backend = try MemcachedBackend(configuration: .init(servers: [server.server]))
        let sentinel = uniqueKey("sentinel")
        try await backend.set(sentinel, CachedValue(payload: Array("kept".utf8), creationTime: 1))
        let before = try server.stats()
        let value = CachedValue(payload: Array("v".utf8), creationTime: 1)
        for key in Self.badKeys {
            await #expect(throws: CacheError(.invalidKey, "")) { try await backend.get(key) }
            await #expect(throws: CacheError(.invalidKey, "")) { try await backend.set(key, value) }
            await #expect(throws: CacheError(.invalidKey, "")) { try await backend.delete(key) }
            await #expect(throws: CacheError(.invalidKey, "")) { try await backend.getMulti([sentinel, key]) }
            await #expect(throws: CacheError(.invalidKey, "")) { try await backend.setMulti([(sentinel, value), (key, value)]) }
            await #expect(throws: CacheError(.invalidKey, "")) { try await backend.deleteMulti([sentinel, key]) }
        }
        let after = try server.stats()
        for counter in ["cmd_get", "cmd_set", "delete_hits", "delete_misses", "cmd_flush", "cmd_touch"] {
            #expect(before[counter] == after[counter], "\(counter) changed: nothing may reach the server")
        }
        #expect(try await backend.get(sentinel)?.payload as? [UInt8] == Array("kept".utf8), "no multi op ran its good keys either")
        await backend.shutdown()
    }

    @Test func theLongestKeyMemcachedTakesWorksAndUnicodeKeysAreDistinct() async throws {
        let backend = try TestServers.backend()
        let longest = String(repeating: "k", count: 230) + uniqueKey("").suffix(20)
        #expect(longest.utf8.count == 250)
        // "café" composed and decomposed are equal Swift strings but different memcached keys.
        let suffix = uniqueKey("")
        let keys = [longest, "café" + suffix, "cafe\u{301}" + suffix, "日本" + suffix]
        for (index, key) in keys.enumerated() {
            try await backend.set(key, CachedValue(payload: [UInt8(index)], creationTime: 1))
        }
        #expect(try await backend.getMulti(keys).map { $0?.payload as? [UInt8] } == [[0], [1], [2], [3]])
        #expect(try await backend.get(keys[1])?.payload as? [UInt8] == [1])
        #expect(try await backend.get(keys[2])?.payload as? [UInt8] == [2])
        await backend.shutdown()
    }

    @Test func aManglerLetsARegionUseAnyKey() async throws {
        let backend = try TestServers.backend { $0.keyMangler = .sha1 }
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60))
        for (index, key) in Self.badKeys.enumerated() {
            let value = try await region.getOrCreate(key) { "value \(index)" }
            #expect(value == "value \(index)")
            #expect(try await region.get(key, as: String.self) == "value \(index)", "stored under the mangled key")
        }
        await backend.shutdown()
    }

    @Test func aBadKeyReachesTheCallerWhateverTheBackendErrorPolicy() async throws {
        let backend = try TestServers.backend()
        let calls = CreatorLog()
        for policy in [BackendErrorPolicy.failOpen, .propagate] {
            let region = try CacheRegion(backend: backend, expirationTime: .seconds(60), backendErrors: policy)
            await #expect(throws: CacheError(.invalidKey, "")) {
                try await region.getOrCreate("two words") { () -> Int in
                    calls.record()
                    return 7
                }
            }
            await #expect(throws: CacheError(.invalidKey, "")) { try await region.get("two words", as: Int.self) }
            await #expect(throws: CacheError(.invalidKey, "")) { try await region.set("two words", 7) }
            #expect(region.statistics.backendErrors == 0, "a bad key is not an outage")
        }
        #expect(calls.calls == 0, "the creator never ran for a key that cannot be cached")
        await backend.shutdown()
    }

    @Test func aValueOverTheItemSizeIsTooLargeAndTheRegionStillReturnsIt() async throws {
        let server = try await MemcachedServerProcess(extraArguments: ["-I", "1m"])
        let backend = try MemcachedBackend(configuration: .init(servers: [server.server]))
        let key = uniqueKey("large")
        let large = [UInt8](repeating: 7, count: 2 << 20)
        let refusal = await #expect(throws: CacheError(.valueTooLarge, "")) {
            try await backend.set(key, CachedValue(payload: large, creationTime: 1))
        }
        #expect(refusal?.message.contains("SUCCESS") == false, "\(refusal?.message ?? "")")
        try await backend.set(key, CachedValue(payload: [UInt8]([1, 2, 3]), creationTime: 1))
        #expect(try await backend.get(key)?.payload as? [UInt8] == [1, 2, 3], "the connection is still in step after the refusal")

        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60))
        let created = try await region.getOrCreate(uniqueKey("large-region")) { large }
        #expect(created == large)
        #expect(region.statistics.backendErrors == 1)
        await backend.shutdown()
    }
}

/// A value record proves whose it is on memcached too: moved to another key or read as another type,
/// it is a miss.
@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedRecordIdentityTests {
    struct Celsius: Codable, Equatable, Sendable { var degrees: Int }
    struct Fahrenheit: Codable, Equatable, Sendable { var degrees: Int }

    @Test func aRecordMovedToAnotherKeyIsAMiss() async throws {
        let backend = try TestServers.backend()
        let region = try CacheRegion(backend: backend)
        let (source, target) = (uniqueKey("source"), uniqueKey("target"))
        try await region.set(source, Celsius(degrees: 1))
        try await backend.set(target, try #require(try await backend.get(source)))
        #expect(try await region.get(target, as: Celsius.self) == nil)
        #expect(try await region.getOrCreate(target) { Celsius(degrees: 2) } == Celsius(degrees: 2))
        #expect(try await region.get(target, as: Celsius.self) == Celsius(degrees: 2))
        #expect(try await region.get(source, as: Celsius.self) == Celsius(degrees: 1))
        #expect(region.statistics.mismatchedRecords == 2)
        await backend.shutdown()
    }

    @Test func aRecordReadAsAnotherTypeIsAMiss() async throws {
        let backend = try TestServers.backend()
        let region = try CacheRegion(backend: backend)
        let (number, reading) = (uniqueKey("number"), uniqueKey("reading"))
        try await region.set(number, 42)
        try await region.set(reading, Celsius(degrees: 20))
        #expect(try await region.get(number, as: Double.self) == nil)
        #expect(try await region.getMulti([reading], as: Fahrenheit.self) == [nil])
        #expect(try await region.getOrCreate(reading) { Fahrenheit(degrees: 68) } == Fahrenheit(degrees: 68))
        #expect(try await region.get(number, as: Int.self) == 42)
        #expect(region.statistics.mismatchedRecords == 3)
        await backend.shutdown()
    }
}
