@testable import DogpileCache
import DogpileCacheTesting
import Testing

/// Invalidations that reach every region of the same name on one byte-storing backend, as they reach
/// every process sharing memcached: each region here stands for a process (FleetTests runs real ones).
@Suite(.timeLimit(.minutes(1)))
struct FleetInvalidationTests {
    let clock = ManualCacheClock()
    let backend = BytesMemoryBackend()

    /// Another process's region of `name` on the shared backend.
    private func process(_ name: String = "users", backgroundRefresh: Bool = false, wrap proxies: [any ProxyBackend] = []) throws -> CacheRegion {
        try CacheRegion(name: name, backend: backend, wrap: proxies, clock: clock, backgroundRefresh: backgroundRefresh)
    }

    @Test("a hard invalidation by one process makes older values misses in another, on its next read")
    func hardInvalidationReachesAnotherProcess() async throws {
        let a = try process()
        let b = try process()
        try await a.set("user:1", "Ada")
        #expect(try await b.get("user:1", as: String.self) == "Ada")
        clock.advance(by: 1)
        try await a.invalidate()
        #expect(try await b.get("user:1", as: String.self) == nil)
        #expect(try await b.getOrCreate("user:1") { "Ada again" } == "Ada again")
        // Values created after the invalidation are not reached, in either process.
        #expect(try await a.get("user:1", as: String.self) == "Ada again")
    }

    @Test("a soft invalidation by one process makes older values stale in another: served while regenerated")
    func softInvalidationReachesAnotherProcess() async throws {
        let a = try process()
        let b = try process(backgroundRefresh: true)
        try await a.set("page", "old")
        clock.advance(by: 1)
        try await a.invalidate(hard: false)
        #expect(try await b.get("page", as: String.self) == nil)
        let gate = CreationGate()
        // B's caller is served the stale value at once, and regenerates it in the background.
        #expect(try await b.getOrCreate("page") { await gate.wait(); return "new" } == "old")
        #expect(b.statistics.staleServed == 1)
        gate.open()
        try await waitUntil { try await a.get("page", as: String.self) == "new" }
    }

    @Test("a tag invalidation by one process reaches the values carrying the tag in another, and no other")
    func tagInvalidationReachesAnotherProcess() async throws {
        let a = try process()
        let b = try process()
        try await a.set("user:1", "Ada", tags: ["team:7"])
        try await a.set("user:2", "Grace", tags: ["team:8"])
        try await a.set("plain", "untagged")
        #expect(try await b.getMulti(["user:1", "user:2", "plain"], as: String.self) == ["Ada", "Grace", "untagged"])
        clock.advance(by: 1)
        try await a.invalidate(tag: "team:7")
        #expect(try await b.getMulti(["user:1", "user:2", "plain"], as: String.self) == [nil, "Grace", "untagged"])
        try await b.set("user:3", "Linus", tags: ["team:7"])
        #expect(try await a.get("user:3", as: String.self) == "Linus")
    }

    @Test("a soft tag invalidation by one process makes the tagged values stale in another")
    func softTagInvalidationReachesAnotherProcess() async throws {
        let a = try process()
        let b = try process(backgroundRefresh: true)
        try await a.set("order:9", "old", tags: ["orders"])
        clock.advance(by: 1)
        try await a.invalidate(tags: ["unrelated", "orders"], hard: false)
        #expect(try await b.getOrCreate("order:9") { "new" } == "old")
        #expect(b.statistics.staleServed == 1)
    }

    @Test("regions of other names on the same backend do not share invalidations")
    func otherRegionsAreNotReached() async throws {
        let users = try process("users")
        let orders = try process("orders")
        let otherUsers = try process("users")
        try await orders.set("o", "order", tags: ["shared-tag"])
        try await otherUsers.set("u", "user", tags: ["shared-tag"])
        clock.advance(by: 1)
        try await users.invalidate()
        try await users.invalidate(tag: "shared-tag")
        #expect(try await orders.get("o", as: String.self) == "order")
        #expect(try await otherUsers.get("u", as: String.self) == nil)
    }

    @Test("a read fetches the records in its own batch; a tag's record is read once per tag invalidation")
    func recordsAreReadInTheBatch() async throws {
        let journal = CreatorLog()
        let a = try process()
        let b = try process(wrap: [RecordingProxy(name: "b", journal: journal)])
        /// The number of keys of each of B's reads.
        var batches: [Int] { journal.keysPerCall.map { $0[0].split(separator: ",").count } }
        try await a.set("k", "v", tags: ["t"])
        #expect(try await b.get("k", as: String.self) == "v")
        #expect(batches == [3])
        clock.advance(by: 1)
        try await a.invalidate(tag: "other")
        // The tag epoch moved past the value: its tag's record is read, once.
        #expect(try await b.get("k", as: String.self) == "v")
        #expect(try await b.get("k", as: String.self) == "v")
        #expect(batches == [3, 3, 1, 3])
        try await a.invalidate(tag: "t")
        #expect(try await b.get("k", as: String.self) == nil)
        #expect(try await b.get("k", as: String.self) == nil)
        #expect(batches == [3, 3, 1, 3, 3, 1, 3])
    }

    @Test("bytes under a record key that are not an invalidation record invalidate nothing")
    func garbageRecordsAreIgnored() async throws {
        let a = try process()
        try await a.set("k", "v", tags: ["t"])
        let records = InvalidationRecords(regionName: "users") { $0 }
        clock.advance(by: 1)
        for key in [records.regionKey, records.tagEpochKey, records.tagKey("t")] {
            try await backend.set(key, CachedValue(payload: Array("not a record".utf8), creationTime: clock.now()))
        }
        #expect(try await a.get("k", as: String.self) == "v")
        // A value stored under a record key is a value record of another type: no invalidation either.
        try await a.set(records.regionKey, "a value")
        #expect(try await a.get("k", as: String.self) == "v")
    }

    @Test("an invalidation the backend cannot store throws, and holds in its own process")
    func recordWriteFailureThrows() async throws {
        let failing = SwitchableProxy()
        let a = try process(wrap: [failing])
        try await a.set("k", "v", tags: ["t"])
        clock.advance(by: 1)
        failing.isFailing = true
        await #expect(throws: InjectedFailure.self) { try await a.invalidate() }
        await #expect(throws: InjectedFailure.self) { try await a.invalidate(tag: "t") }
        failing.isFailing = false
        #expect(try await a.get("k", as: String.self) == nil)
        #expect(try await process().get("k", as: String.self) == "v")
    }

    @Test("the tag epoch names the tags to read: those of values older than it, not read since it last changed")
    func tagsToRead() {
        let tags = TagInvalidations()
        func epoch(at time: Double, writeID: UInt64) -> InvalidationRecords.Entry {
            InvalidationRecords.Entry(word: InvalidationWord.make(hard: true, at: time), writeID: writeID)
        }
        #expect(tags.tagsToRead(of: ["a"], createdAt: 1) == [])
        tags.learnEpoch(epoch(at: 10, writeID: 1))
        #expect(tags.tagsToRead(of: ["a", "b"], createdAt: 11) == [])
        #expect(tags.tagsToRead(of: ["a", "b"], createdAt: 9) == ["a", "b"])
        tags.learn(["a"], words: [InvalidationWord.make(hard: false, at: 8)], readAt: tags.generation)
        #expect(tags.tagsToRead(of: ["a", "b"], createdAt: 9) == ["b"])
        #expect(tags.invalidation(of: ["a"], createdAt: 7) == .soft)
        #expect(tags.invalidation(of: ["a"], createdAt: 9) == ValueInvalidation.none)
        // The same record read again changes nothing.
        tags.learnEpoch(epoch(at: 10, writeID: 1))
        #expect(tags.tagsToRead(of: ["a"], createdAt: 9) == [])
        // Another write makes the tag due again, even of an earlier time; an older word read later
        // does not replace a newer one.
        tags.learnEpoch(epoch(at: 9.5, writeID: 2))
        #expect(tags.tagsToRead(of: ["a"], createdAt: 9) == ["a"])
        tags.learn(["a"], words: [InvalidationWord.make(hard: true, at: 5)], readAt: tags.generation)
        #expect(tags.invalidation(of: ["a"], createdAt: 7) == .soft)
        #expect(tags.tagsToRead(of: ["a"], createdAt: 9) == [])
    }

    @Test("a tag's word read before the epoch that tells of it still counts; a due tag counts as hard only for a local copy")
    func tagWordsNewerThanTheEpochAndDueTags() {
        let tags = TagInvalidations()
        // A tag's record, written before its epoch record, read before it: the value is judged by it.
        tags.learn(["a"], words: [InvalidationWord.make(hard: true, at: 20)], readAt: tags.generation)
        #expect(tags.invalidation(of: ["a"], createdAt: 19) == .hard)
        #expect(tags.invalidation(of: ["a"], createdAt: 21) == ValueInvalidation.none)
        // The epoch changes: "b", never read since, is due for values older than the epoch.
        tags.learnEpoch(InvalidationRecords.Entry(word: InvalidationWord.make(hard: false, at: 30), writeID: 7))
        #expect(tags.invalidation(of: ["b"], createdAt: 25) == ValueInvalidation.none)
        #expect(tags.invalidation(of: ["b"], createdAt: 25, unreadAsHard: true) == .hard)
        #expect(tags.invalidation(of: ["b"], createdAt: 31, unreadAsHard: true) == ValueInvalidation.none)
        tags.learn(["b"], words: [0], readAt: tags.generation)
        #expect(tags.invalidation(of: ["b"], createdAt: 25, unreadAsHard: true) == ValueInvalidation.none)
    }

    @Test("an invalidation read from another process replaces this one's only when it is later")
    func adoptKeepsTheLatest() {
        let strategy = DefaultInvalidationStrategy()
        strategy.adopt(InvalidationWord.make(hard: false, at: 10))
        #expect(strategy.invalidation(ofValueCreatedAt: 9) == .soft)
        strategy.adopt(InvalidationWord.make(hard: true, at: 5))
        #expect(strategy.invalidation(ofValueCreatedAt: 9) == .soft)
        strategy.adopt(InvalidationWord.make(hard: true, at: 12))
        #expect(strategy.invalidation(ofValueCreatedAt: 11) == .hard)
    }
}

/// Fails every write while `isFailing` is set.
struct SwitchableProxy: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
    private let failing = LockedValue(false)

    var isFailing: Bool {
        get { failing.withLock { $0 } }
        nonmutating set { failing.withLock { $0 = newValue } }
    }

    func set(_ key: String, _ value: CachedValue) async throws {
        if isFailing { throw InjectedFailure() }
        try await proxied.set(key, value)
    }

    func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        if isFailing { throw InjectedFailure() }
        try await proxied.setMulti(entries)
    }
}
