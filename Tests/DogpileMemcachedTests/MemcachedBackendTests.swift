import DogpileCache
import DogpileCacheTesting
import DogpileMemcached
import Testing

@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedBackendTests {
    @Test(arguments: BackendConformance.checks)
    func conformance(_ check: BackendConformance.Check) async throws {
        let backend = try TestServers.backend()
        try await check.run(on: backend)
        await backend.shutdown()
    }

    @Test func arbitraryBytesRoundTripByteForByte() async throws {
        let backend = try TestServers.backend()
        let values: [[UInt8]] = [
            [],
            Array("\r\nEND\r\n".utf8),
            [0, 0, 13, 10, 0],
            Array(0...255),
            Array("VALUE other 0 5\r\nhello\r\nEND\r\n".utf8),
            (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) },
        ]
        let keys = values.indices.map { uniqueKey("bytes\($0)") }
        for (key, value) in zip(keys, values) {
            try await backend.set(key, CachedValue(payload: value, creationTime: 1))
        }
        for (key, value) in zip(keys, values) {
            #expect(try await backend.get(key)?.payload as? [UInt8] == value)
        }
        let multi = try await backend.getMulti(keys)
        #expect(multi.map { $0?.payload as? [UInt8] } == values)
        await backend.shutdown()
    }

    @Test func getMultiReturnsValuesInOrderWithNilForMissingAndRepeatedKeys() async throws {
        let backend = try TestServers.backend()
        let keys = (0..<10).map { uniqueKey("multi\($0)") }
        try await backend.setMulti(keys.enumerated().filter { $0.offset.isMultiple(of: 2) }.map {
            (key: $0.element, value: CachedValue(payload: Array("v\($0.offset)".utf8), creationTime: 1))
        })
        let read = try await backend.getMulti(keys + [keys[0]])
        let texts = read.map { ($0?.payload as? [UInt8]).map { String(decoding: $0, as: UTF8.self) } }
        #expect(texts == ["v0", nil, "v2", nil, "v4", nil, "v6", nil, "v8", nil, "v0"])
        try await backend.deleteMulti(keys)
        #expect(try await backend.getMulti(keys).allSatisfy { $0 == nil })
        await backend.shutdown()
    }

    @Test func aRegionStoresRecordsThatAnotherBackendOnTheSameServerReads() async throws {
        struct Profile: Codable, Sendable, Equatable {
            var name: String
            var tags: [String]
        }
        let writer = try TestServers.backend()
        let reader = try TestServers.backend()
        let key = uniqueKey("shared")
        let first = try CacheRegion(backend: writer, expirationTime: .seconds(60))
        let second = try CacheRegion(backend: reader, expirationTime: .seconds(60))
        let log = CreatorLog()
        let created = try await first.getOrCreate(key) {
            log.record()
            return Profile(name: "Zoë", tags: ["a", "b"])
        }
        let read = try await second.getOrCreate(key) {
            log.record()
            return Profile(name: "other", tags: [])
        }
        #expect(created == read)
        #expect(log.calls == 1)
        let metadata = try await second.valueMetadata(key, as: Profile.self)
        #expect(metadata?.payload == created)
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test func aLifetimeTheCreatorChoseReadsTheSameInAnotherRegion() async throws {
        let writer = try TestServers.backend()
        let reader = try TestServers.backend()
        let key = uniqueKey("lifetime")
        let clock = ManualCacheClock()
        let first = try CacheRegion(backend: writer, expirationTime: .seconds(10), clock: clock)
        let second = try CacheRegion(backend: reader, expirationTime: .seconds(10), clock: clock)
        let _: String = try await first.getOrCreate(key) { context in
            context.expirationTime = .seconds(300)
            return "page"
        }
        clock.advance(by: 200)
        // Twenty times the second region's own expiration, within the lifetime stored in the record.
        #expect(try await second.get(key, as: String.self) == "page")
        #expect(try await second.valueMetadata(key, as: String.self)?.payload == "page")
        clock.advance(by: 101)
        #expect(try await second.get(key, as: String.self) == nil)
        #expect(try await second.get(key, as: String.self, ignoreExpiration: true) == "page")
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test func jitterReadsTheSameInAnotherRegion() async throws {
        let writer = try TestServers.backend()
        let reader = try TestServers.backend()
        let clock = ManualCacheClock()
        var policy = CreationPolicy()
        policy.jitter = .seconds(100)
        let first = try CacheRegion(backend: writer, expirationTime: .seconds(10), clock: clock, policy: policy)
        let second = try CacheRegion(backend: reader, expirationTime: .seconds(10), clock: clock, policy: policy)
        let keys = (0..<40).map { uniqueKey("jitter\($0)") }
        for key in keys {
            let _: String = try await first.getOrCreate(key) { "v" }
        }
        clock.advance(by: 60)
        var fresh = 0
        for key in keys {
            let seenByWriter = try await first.get(key, as: String.self) != nil
            let seenByReader = try await second.get(key, as: String.self) != nil
            #expect(seenByWriter == seenByReader, "\(key)")
            fresh += seenByReader ? 1 : 0
        }
        // 60 s into a jitter of 100 s on a 10 s expiration: about half are still fresh.
        #expect((4...36).contains(fresh), "\(fresh) of 40 fresh")
        await writer.shutdown()
        await reader.shutdown()
    }

    @Test func failSafeServesTheExpiredValueWhenTheCreatorFails() async throws {
        let backend = try TestServers.backend()
        let clock = ManualCacheClock()
        var policy = CreationPolicy()
        policy.failSafeMaxStaleness = .seconds(60)
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock, policy: policy)
        let key = uniqueKey("failsafe")
        try await region.set(key, "good")
        clock.advance(by: 30)
        struct SourceDown: Error {}
        #expect(try await region.getOrCreate(key) { () async throws -> String in throw SourceDown() } == "good")
        #expect(region.statistics.failSafeServed == 1)
        await backend.shutdown()
    }

    @Test func readsThatArriveTogetherAreAllAnswered() async throws {
        let backend = try TestServers.backend { $0.poolSize = 1 }
        let keys = (0..<200).map { uniqueKey("burst\($0)") }
        try await backend.setMulti(keys.map { (key: $0, value: CachedValue(payload: Array($0.utf8), creationTime: 1)) })
        let read = try await withThrowingTaskGroup(of: (String, [UInt8]?).self) { group in
            for key in keys + keys {
                group.addTask { (key, try await backend.get(key)?.payload as? [UInt8]) }
            }
            return try await group.reduce(into: [(String, [UInt8]?)]()) { $0.append($1) }
        }
        #expect(read.count == 400)
        #expect(read.allSatisfy { Array($0.0.utf8) == $0.1 }, "every caller gets its own key's value")
        await backend.shutdown()
    }

    @Test func serverForKeyNamesOneOfTheServers() async throws {
        let servers = try TestServers.all()
        let backend = try MemcachedBackend(configuration: .init(servers: servers))
        var seen = Set<String>()
        for index in 0..<100 {
            seen.insert(try await backend.server(forKey: "spread:\(index)"))
        }
        #expect(seen.isSubset(of: Set(servers.map(\.description))))
        #expect(seen.count == servers.count, "100 keys spread over every server")
        await backend.shutdown()
    }
}
