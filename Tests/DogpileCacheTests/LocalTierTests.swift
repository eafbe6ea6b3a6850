@testable import DogpileCache
import DogpileCacheTesting
import Synchronization
import Testing

/// A region's local tier in front of a shared byte-storing backend. Each region stands for a
/// process, as in FleetInvalidationTests; the clock is the test's.
@Suite(.timeLimit(.minutes(1)))
struct LocalTierTests {
    let clock = ManualCacheClock()
    let shared = BytesMemoryBackend()
    let journal = CreatorLog()

    /// A process's region on the shared backend, with a local tier of its own, whose reads of the
    /// shared backend the journal records when `recorded`.
    private func process(
        recorded: Bool = false,
        localExpirationTime: CacheExpiration = .seconds(60),
        invalidationCheckInterval: CacheExpiration = .seconds(1),
        local: MemoryBackend = MemoryBackend(),
        serializer: any CacheSerializer = JSONCacheSerializer()
    ) async throws -> CacheRegion {
        let region = CacheRegion(name: "users", clock: clock)
        try await region.configure(
            backend: shared,
            expirationTime: .seconds(30),
            wrap: recorded ? [RecordingProxy(name: "shared", journal: journal)] : [],
            serializer: serializer,
            localCache: local,
            localExpirationTime: localExpirationTime,
            invalidationCheckInterval: invalidationCheckInterval
        )
        return region
    }

    /// The shared backend's reads the journal recorded.
    private var sharedReads: [String] { journal.keysPerCall.map { $0[0] }.filter { $0.hasPrefix("shared get") } }

    @Test("a value written or read through the shared backend is then served locally, with no shared read")
    func localHitsReadNothingShared() async throws {
        let a = try await process(recorded: true)
        try await a.set("user:1", "Ada")
        // The first read reads the shared backend: until then, A has read none of its records.
        #expect(try await a.get("user:1", as: String.self) == "Ada")
        #expect(sharedReads.count == 1)
        #expect(try await a.get("user:1", as: String.self) == "Ada")
        #expect(try await a.getOrCreate("user:1") { "created" } == "Ada")
        #expect(sharedReads.count == 1)
        // Another process's value is read once from the shared backend, then locally.
        let b = try await process()
        try await b.set("user:2", "Grace")
        #expect(try await a.get("user:2", as: String.self) == "Grace")
        #expect(try await a.get("user:2", as: String.self) == "Grace")
        #expect(sharedReads.count == 2)
    }

    @Test("a read of many keys reads from the shared backend only those the local tier lacks")
    func readsOfManyKeysReadOnlyWhatIsMissing() async throws {
        let a = try await process(recorded: true)
        let b = try await process()
        try await a.set("k1", "one")
        try await b.set("k2", "two")
        #expect(try await a.get("k0", as: String.self) == nil)  // reads the records
        #expect(try await a.getMulti(["k1", "k2", "k3"], as: String.self) == ["one", "two", nil])
        #expect(sharedReads.count == 2)
        #expect(sharedReads[1].contains("k2") && sharedReads[1].contains("k3") && !sharedReads[1].contains("k1"))
        #expect(try await a.getMulti(["k1", "k2"], as: String.self) == ["one", "two"])
        #expect(sharedReads.count == 2)
    }

    @Test("another process's replacement is served locally for at most localExpirationTime")
    func localExpirationBoundsWhatAReplacementWaits() async throws {
        let a = try await process(localExpirationTime: .seconds(5), invalidationCheckInterval: .seconds(60))
        let b = try await process()
        try await b.set("page", "v1")
        #expect(try await a.get("page", as: String.self) == "v1")
        clock.advance(by: 1)
        try await b.set("page", "v2")
        clock.advance(by: 3.9)
        #expect(try await a.get("page", as: String.self) == "v1")
        clock.advance(by: 0.1)
        #expect(try await a.get("page", as: String.self) == "v2")
    }

    @Test("another process's invalidation reaches local hits within invalidationCheckInterval: hard, soft, by tag")
    func invalidationsReachLocalHitsWithinTheCheckInterval() async throws {
        let a = try await process()
        let b = try await process()
        try await b.set("hard", "old")
        try await b.set("tagged", "old", tags: ["team:7"])
        try await b.set("untagged", "old")
        #expect(try await a.getMulti(["hard", "tagged", "untagged"], as: String.self) == ["old", "old", "old"])
        clock.advance(by: 0.5)
        try await b.invalidate(tag: "team:7")
        // Still within the interval of A's last read of the records: served locally.
        #expect(try await a.get("tagged", as: String.self) == "old")
        clock.advance(by: 0.5)
        #expect(try await a.get("tagged", as: String.self) == nil)
        #expect(try await a.get("untagged", as: String.self) == "old")
        try await b.invalidate(hard: false)
        clock.advance(by: 1)
        // Soft: stale, so not fresh for `get`, and served while A regenerates it.
        #expect(try await a.get("untagged", as: String.self) == nil)
        #expect(try await a.get("untagged", as: String.self, ignoreExpiration: true) == "old")
        try await b.invalidate(hard: true)
        clock.advance(by: 1)
        #expect(try await a.get("hard", as: String.self) == nil)
        #expect(try await a.getOrCreate("hard") { "new" } == "new")
    }


    @Test("a local value whose tag another process invalidated is read from the shared backend once a read of the records tells, however fresh they are")
    func tagInvalidationReachesLocalHitsThroughOtherReads() async throws {
        let a = try await process(recorded: true)
        let b = try await process()
        try await b.set("hot", "old", tags: ["team:7"])
        #expect(try await a.get("hot", as: String.self) == "old")
        clock.advance(by: 0.1)
        try await b.invalidate(tag: "team:7")
        clock.advance(by: 0.1)
        // A reads another key from the shared backend: its records are fresh again, and its tag
        // epoch tells that a tag was invalidated after "hot" was created.
        #expect(try await a.get("other", as: String.self) == nil)
        let reads = sharedReads.count
        // Within the interval, yet "hot" is read from the shared backend, with its tag's record.
        #expect(try await a.get("hot", as: String.self) == nil)
        #expect(sharedReads.count > reads)
        #expect(try await a.getOrCreate("hot") { "new" } == "new")
        #expect(try await a.get("hot", as: String.self) == "new")
    }
    @Test("a local value is judged by its creation time: it never outlives the shared value's expiration")
    func localValuesExpireWithTheSharedOnes() async throws {
        let a = try await process(invalidationCheckInterval: .seconds(3600))
        try await a.set("k", "v")
        clock.advance(by: 29.9)
        #expect(try await a.get("k", as: String.self) == "v")
        clock.advance(by: 0.2)
        #expect(try await a.get("k", as: String.self) == nil)
    }

    @Test("under a key's lock the shared value counts: a process with an expired local copy takes another's new value")
    func theRereadUnderTheLockSkipsTheLocalTier() async throws {
        let a = try await process(invalidationCheckInterval: .seconds(3600))
        let b = try await process(invalidationCheckInterval: .seconds(3600))
        #expect(try await a.getOrCreate("k") { "v1" } == "v1")
        clock.advance(by: 31)
        #expect(try await b.getOrCreate("k") { "v2" } == "v2")
        let creator = CreatorLog()
        #expect(try await a.getOrCreate("k") { creator.record(); return "v3" } == "v2")
        #expect(creator.calls == 0)
        // And A keeps B's value locally.
        #expect(try await a.get("k", as: String.self) == "v2")
    }

    @Test("writes and deletes reach both tiers")
    func writesAndDeletesReachBothTiers() async throws {
        let local = MemoryBackend()
        let a = try await process(local: local)
        try await a.setMulti(["k1": "one", "k2": "two"])
        #expect(local.storedValue(for: "k1") != nil && shared.storedValue(for: "k1") != nil)
        try await a.delete("k1")
        #expect(local.storedValue(for: "k1") == nil && shared.storedValue(for: "k1") == nil)
        try await a.deleteMulti(["k2"])
        #expect(local.storedValue(for: "k2") == nil && shared.storedValue(for: "k2") == nil)
        // A value deleted by another process is gone locally at the next shared read.
        let b = try await process()
        try await a.set("k3", "three")
        try await b.delete("k3")
        clock.advance(by: 1)
        #expect(try await a.get("k3", as: String.self) == nil)
        #expect(local.storedValue(for: "k3") == nil)
    }

    @Test("a value read from the shared backend is decoded once, however often it is served locally")
    func localHitsDoNotDecodeAgain() async throws {
        let serializer = CountingSerializer()
        let a = try await process(serializer: serializer)
        let b = try await process()
        try await b.set("p", Profile(name: "Ada"))
        for _ in 0..<3 {
            #expect(try await a.get("p", as: Profile.self) == Profile(name: "Ada"))
        }
        #expect(serializer.decodings == 1)
    }

    @Test("a local tier's entry weighs what its value does")
    func localEntriesWeighTheirValues() {
        let value = CachedValue(typed: String(repeating: "x", count: 500), creationTime: 1)
        let entry = CachedValue(typed: LocalTier.Entry(value: value, storedAt: 2), creationTime: 1)
        #expect(MemoryBackend.Configuration.estimatedWeight(key: "k", value: entry) == 501)
    }

    @Test("a local tier's times must be positive")
    func badTimesAreRejected() async throws {
        let region = CacheRegion(name: "users", clock: clock)
        await #expect(throws: CacheError.self) {
            try await region.configure(backend: shared, localCache: MemoryBackend(), localExpirationTime: .seconds(0))
        }
        await #expect(throws: CacheError.self) {
            try await region.configure(backend: shared, localCache: MemoryBackend(), invalidationCheckInterval: .seconds(-1))
        }
        #expect(!region.isConfigured)
    }
}

private struct Profile: Codable, Sendable, Equatable {
    var name: String
}

/// JSON, counting its decodings.
private final class CountingSerializer: CacheSerializer {
    private let json = JSONCacheSerializer()
    private let count = Mutex(0)

    var decodings: Int { count.withLock { $0 } }

    func encode<Value: Sendable>(_ value: Value) throws -> [UInt8] {
        try json.encode(value)
    }

    func decode<Value: Sendable>(_ bytes: [UInt8], as type: Value.Type) throws -> Value {
        count.withLock { $0 += 1 }
        return try json.decode(bytes, as: type)
    }
}
