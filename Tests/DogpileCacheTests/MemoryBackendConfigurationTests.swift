import DogpileCache
import DogpileCacheTesting
import Testing

/// ``MemoryBackend/Configuration``: validation, bounds over shards, the weigher and the eviction
/// listener, through the backend's public API.
@Suite(.timeLimit(.minutes(1))) struct MemoryBackendConfigurationTests {
    private func value(_ payload: Int) -> CachedValue {
        CachedValue(payload: payload, creationTime: 1)
    }

    /// The README's example, as written there.
    @Test func theReadmeExampleConfiguresARegion() async throws {
        let region = CacheRegion(name: "readme")
        var memory = MemoryBackend.Configuration(maxEntries: 100_000)   // and/or maxWeight
        memory.maxWeight = 256 << 20              // about 256 MiB of keys and payloads (or your own weigher)
        memory.onEviction = { eviction in         // every value that leaves: size, weight, replaced, explicit
            print("\(eviction.key) left: \(eviction.cause)")
        }
        try await region.configure(backend: MemoryBackend(configuration: memory), expirationTime: .minutes(5))
        #expect((try region.backend as? MemoryBackend)?.configuration.maxEntries == 100_000)
    }

    @Test func settingsOutOfRangeAreClearErrors() {
        var configuration = MemoryBackend.Configuration()
        configuration.maxEntries = 0
        #expect(throws: CacheError(.invalidConfiguration, "")) { try MemoryBackend(configuration: configuration) }
        configuration = MemoryBackend.Configuration(maxWeight: -5)
        #expect(throws: CacheError(.invalidConfiguration, "")) { try MemoryBackend(configuration: configuration) }
        configuration = MemoryBackend.Configuration()
        configuration.shardCount = 0
        #expect(throws: CacheError(.invalidConfiguration, "")) { try BytesMemoryBackend(configuration: configuration) }
        configuration.shardCount = 5000
        #expect(throws: CacheError(.invalidConfiguration, "")) { try MemoryBackend(configuration: configuration) }
    }

    @Test func theDefaultsAreUnboundedAndShardedByProcessor() {
        let configuration = MemoryBackend().configuration
        #expect(configuration.maxEntries == nil)
        #expect(configuration.maxWeight == nil)
        #expect(configuration.evictionPolicy == .tinyLFU)
        #expect(configuration.shardCount == MemoryBackend.Configuration.defaultShardCount)
        #expect(configuration.shardCount >= 4)
    }

    /// Keys spread over 16 shards whose bounds add up to the store's: however the keys fall, the
    /// store never holds more than `maxEntries`, and fills up to it.
    @Test(arguments: [MemoryBackend.EvictionPolicy.lru, .tinyLFU])
    func shardsTogetherNeverExceedTheBound(policy: MemoryBackend.EvictionPolicy) throws {
        var configuration = MemoryBackend.Configuration(maxEntries: 100, evictionPolicy: policy)
        configuration.shardCount = 16
        let backend = try MemoryBackend(configuration: configuration)
        for index in 0..<5_000 {
            try backend.storeValue(value(index), for: "k\(index)")
            #expect(backend.count <= 100)
        }
        #expect(backend.count > 80, "each shard fills its share")
        for index in 0..<5_000 {
            if let found = backend.storedValue(for: "k\(index)") {
                #expect(found.payload as? Int == index)
            }
        }
    }

    /// Keys equal as Strings (canonically equivalent) but spelled with other bytes are one key:
    /// they pick the same shard and the same slot.
    @Test func canonicallyEquivalentKeysAreOneKey() async throws {
        var configuration = MemoryBackend.Configuration()
        configuration.shardCount = 64
        let backend = try MemoryBackend(configuration: configuration)
        try await backend.set("caf\u{E9}", value(1))
        #expect(try await backend.get("cafe\u{301}")?.payload as? Int == 1)
        try await backend.set("\u{212A}elvin", value(2))  // KELVIN SIGN, canonically "K"
        #expect(try await backend.get("Kelvin")?.payload as? Int == 2)
        try await backend.delete("cafe\u{301}")
        #expect(try await backend.get("caf\u{E9}") == nil)
        #expect(backend.count == 1)
    }

    @Test func aBoundSmallerThanTheShardCountUsesFewerShards() throws {
        var configuration = MemoryBackend.Configuration(maxEntries: 3)
        configuration.shardCount = 64
        let backend = try MemoryBackend(configuration: configuration)
        for index in 0..<100 { try backend.storeValue(value(index), for: "k\(index)") }
        #expect(backend.count == 3)
    }

    @Test func theWeightBoundHoldsOverShardsWithTheDefaultWeigher() throws {
        var configuration = MemoryBackend.Configuration(maxWeight: 10_000)
        configuration.shardCount = 4
        let backend = try MemoryBackend(configuration: configuration)
        let payload = String(repeating: "x", count: 100)
        for index in 0..<1_000 {
            try backend.storeValue(CachedValue(payload: payload, creationTime: 1), for: "key\(index)")
            #expect(backend.totalWeight <= 10_000)
        }
        #expect(backend.totalWeight > 8_000)
        #expect(MemoryBackend.Configuration.estimatedWeight(key: "key1", value: CachedValue(payload: payload, creationTime: 1)) == 104)
        #expect(MemoryBackend.Configuration.estimatedWeight(key: "é", value: CachedValue(payload: [UInt8](repeating: 0, count: 7), creationTime: 1)) == 9)
        #expect(MemoryBackend.Configuration.estimatedWeight(key: "", value: value(1)) == MemoryLayout<Int>.size)
    }

    @Test func aNegativeWeightIsAClearErrorAndStoresNothing() async throws {
        var configuration = MemoryBackend.Configuration(maxWeight: 100)
        configuration.weigher = { key, _ in key == "bad" ? -1 : 1 }
        let backend = try MemoryBackend(configuration: configuration)
        await #expect(throws: CacheError(.invalidConfiguration, "")) {
            try await backend.setMulti([(key: "good", value: self.value(1)), (key: "bad", value: self.value(2))])
        }
        #expect(backend.count == 0, "all or nothing")
        try await backend.set("good", value(1))
        #expect(backend.count == 1)
    }

    /// The listener hears of every value that leaves, once, with its cause, and may call back into
    /// the backend (it runs after the lock is released).
    @Test func theListenerHearsOfEveryValueThatLeaves() async throws {
        let heard = LockedValue<[(key: String, value: Int, cause: MemoryBackend.Eviction.Cause)]>([])
        let backendBox = LockedValue<MemoryBackend?>(nil)
        var configuration = MemoryBackend.Configuration(maxEntries: 2, evictionPolicy: .lru)
        configuration.shardCount = 1
        configuration.onEviction = { eviction in
            _ = backendBox.withLock { $0 }?.count  // calls back in: no deadlock
            heard.withLock { $0.append((eviction.key, eviction.value.payload as! Int, eviction.cause)) }
        }
        let backend = try MemoryBackend(configuration: configuration)
        backendBox.withLock { $0 = backend }
        try await backend.set("a", value(1))
        try await backend.set("b", value(2))
        try await backend.set("a", value(3))  // replaces 1
        try await backend.set("c", value(4))  // evicts b, the least recently used
        try await backend.delete("a")  // deletes 3
        try await backend.delete("missing")
        try await backend.deleteMulti(["c"])
        let events = heard.withLock { $0 }
        #expect(events.map(\.key) == ["a", "b", "a", "c"])
        #expect(events.map(\.value) == [1, 2, 3, 4])
        #expect(events.map(\.cause) == [.replaced, .size, .explicit, .explicit])
        #expect(backend.count == 0)
        backendBox.withLock { $0 = nil }
    }
}
