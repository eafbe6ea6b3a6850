import DogpileCache
import DogpileCacheTesting
import Testing

/// Tags stored with values and invalidated by tag, in process, on every kind of backend.
@Suite(.timeLimit(.minutes(1)))
struct TagTests {
    let clock = ManualCacheClock()

    @Test("a hard invalidation of a tag makes the values carrying it misses, and no other", arguments: RaceBackend.allCases)
    func hardInvalidationByTag(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        try await region.set("user:1", "Ada", tags: ["user:1", "team:7"])
        try await region.set("user:2", "Grace", tags: ["user:2", "team:8"])
        try await region.set("plain", "untagged")
        clock.advance(by: 1)
        try await region.invalidate(tag: "team:7")

        #expect(try await region.get("user:1", as: String.self) == nil)
        #expect(try await region.get("user:2", as: String.self) == "Grace")
        #expect(try await region.get("plain", as: String.self) == "untagged")
        #expect(try await region.getOrCreate("user:1") { "Ada again" } == "Ada again")
        // The new value carries no tag, so the invalidation does not reach it; nor a value stored
        // after the invalidation with the tag.
        #expect(try await region.get("user:1", as: String.self) == "Ada again")
        try await region.set("user:3", "Linus", tags: ["team:7"])
        #expect(try await region.get("user:3", as: String.self) == "Linus")
    }

    @Test("a soft invalidation of a tag makes its values stale: served while one caller regenerates", arguments: RaceBackend.allCases)
    func softInvalidationByTag(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        try await region.set("page", "old", tags: ["pages"])
        clock.advance(by: 1)
        try await region.invalidate(tag: "pages", hard: false)
        #expect(try await region.get("page", as: String.self) == nil)
        #expect(try await region.get("page", as: String.self, ignoreExpiration: true) == "old")

        let gate = CreationGate()
        let regenerating = Task { try await region.getOrCreate("page") { await gate.wait(); return "new" } }
        try await waitUntil { try await region.isKeyLocked("page") }
        #expect(try await region.getOrCreate("page") { "unused" } == "old")
        gate.open()
        #expect(try await regenerating.value == "new")
        #expect(region.statistics.staleServed == 1)
    }

    @Test("a creator tags its value through its context; invalidate(tags:) reaches any of them", arguments: RaceBackend.allCases)
    func creatorTags(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        let made = try await region.getOrCreate("order:9") { (context: inout CreationContext) in
            context.tags = ["customer:4", "customer:4", "orders"]
            return "order nine"
        }
        #expect(made == "order nine")
        #expect(try await region.get("order:9", as: String.self) == "order nine")
        clock.advance(by: 1)
        try await region.invalidate(tags: ["unrelated", "orders"])
        #expect(try await region.get("order:9", as: String.self) == nil)
    }

    @Test("the latest invalidation of a tag counts, and a hard one wins over a soft one of another tag")
    func latestAndHardest() async throws {
        let region = try RaceBackend.memory.region(clock: clock)
        /// Whether a second caller, while the first regenerates `key`, is served a stale value
        /// (`true`) or waits for the new one (`false`, the value was a miss).
        func servedStale(_ key: String) async throws -> Bool {
            let before = region.statistics
            let gate = CreationGate()
            let first = Task { try await region.getOrCreate(key) { await gate.wait(); return "new" } }
            try await waitUntil { try await region.isKeyLocked(key) }
            let second = Task { try await region.getOrCreate(key) { "unused" } }
            try await waitUntil {
                let now = region.statistics
                return now.staleServed > before.staleServed || now.coalescedWaiters > before.coalescedWaiters
            }
            gate.open()
            _ = try await (first.value, second.value)
            return region.statistics.staleServed > before.staleServed
        }
        try await region.set("k", "v", tags: ["a", "b"])
        clock.advance(by: 1)
        try await region.invalidate(tag: "a", hard: false)
        try await region.invalidate(tag: "b", hard: true)
        #expect(try await servedStale("k") == false)

        try await region.set("k", "v2", tags: ["a", "b"])
        clock.advance(by: 1)
        try await region.invalidate(tag: "b", hard: false)
        #expect(try await servedStale("k") == true)
    }

    @Test("tags that cannot be stored are refused with invalidTag")
    func invalidTags() async throws {
        let region = try RaceBackend.memory.region(clock: clock)
        await #expect(throws: CacheError(.invalidTag, "")) { try await region.set("k", "v", tags: [""]) }
        await #expect(throws: CacheError(.invalidTag, "")) {
            try await region.set("k", "v", tags: [String(repeating: "t", count: 251)])
        }
        await #expect(throws: CacheError(.invalidTag, "")) {
            try await region.set("k", "v", tags: (0..<65).map { "tag\($0)" })
        }
        await #expect(throws: CacheError(.invalidTag, "")) {
            _ = try await region.getOrCreate("k") { (context: inout CreationContext) in
                context.tags = [""]
                return "v"
            }
        }
        #expect(try await region.get("k", as: String.self) == nil)
        try await region.set("k", "v", tags: (0..<64).map { "tag\($0)" })
        #expect(try await region.get("k", as: String.self) == "v")
    }
}

extension TagTests {
    @Test("getOrCreate(_:tags:) tags what it creates; a creator's context starts with those tags", arguments: RaceBackend.allCases)
    func getOrCreateTags(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        #expect(try await region.getOrCreate("a", tags: ["group"]) { "made" } == "made")
        let seen = try await region.getOrCreate("b", tags: ["group"]) { (context: inout CreationContext) in
            context.tags.append("b-only")
            return context.tags.joined(separator: ",")
        }
        #expect(seen == "group,b-only")
        // A hit neither changes a value's tags nor needs any.
        #expect(try await region.getOrCreate("a") { "unused" } == "made")
        clock.advance(by: 1)
        try await region.invalidate(tag: "b-only")
        #expect(try await region.get("a", as: String.self) == "made")
        #expect(try await region.get("b", as: String.self) == nil)
        try await region.invalidate(tag: "group")
        #expect(try await region.get("a", as: String.self) == nil)
    }
}

extension TagTests {
    @Test("a cached function tags each value from its arguments, in calls, refreshes and sets")
    func cachedFunctionTags() async throws {
        let region = try RaceBackend.bytes.region(clock: clock)
        let calls = CreatorLog()
        let loadOrders = region.cacheOnArguments(name: "loadOrders", tags: { (user: Int, page: Int) in ["user:\(user)"] }) {
            (user: Int, page: Int) async throws -> String in
            calls.record()
            return "orders of \(user), page \(page), call \(calls.calls)"
        }
        #expect(try await loadOrders(1, 1) == "orders of 1, page 1, call 1")
        #expect(try await loadOrders(1, 2) == "orders of 1, page 2, call 2")
        #expect(try await loadOrders(2, 1) == "orders of 2, page 1, call 3")
        _ = try await loadOrders.refresh(2, 2)
        try await loadOrders.set("set by hand", 3, 1)
        clock.advance(by: 1)
        try await region.invalidate(tag: "user:1")
        #expect(try await loadOrders.get(1, 1) == nil)
        #expect(try await loadOrders.get(1, 2) == nil)
        #expect(try await loadOrders.get(2, 1) == "orders of 2, page 1, call 3")
        try await region.invalidate(tags: ["user:2", "user:3"])
        #expect(try await loadOrders.get(2, 2) == nil)
        #expect(try await loadOrders.get(3, 1) == nil)
        #expect(try await loadOrders(1, 1) == "orders of 1, page 1, call 5")
    }

    @Test("a cached multi function tags each argument's value, in calls, refreshes and sets", arguments: RaceBackend.allCases)
    func cachedMultiFunctionTags(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        let calls = CreatorLog()
        let loadUsers = region.cacheMultiOnArguments(name: "loadUsers", tags: { (id: Int) in ["team:\(id % 2)", "user:\(id)"] }) {
            (ids: [Int]) async throws -> [String] in
            calls.record()
            return ids.map { "user \($0), call \(calls.calls)" }
        }
        #expect(try await loadUsers([1, 2, 3]) == ["user 1, call 1", "user 2, call 1", "user 3, call 1"])
        _ = try await loadUsers.refresh([4])
        try await loadUsers.set([5: "set by hand", 6: "set by hand"])
        clock.advance(by: 1)
        try await region.invalidate(tag: "team:1")
        #expect(try await loadUsers.get([1, 2, 3, 4, 5, 6]) == [nil, "user 2, call 1", nil, "user 4, call 2", nil, "set by hand"])
        try await region.invalidate(tag: "user:4")
        #expect(try await loadUsers.get([2, 4, 6]) == ["user 2, call 1", nil, "set by hand"])
        // Only the invalidated arguments are created again, and tagged again.
        #expect(try await loadUsers([1, 2]) == ["user 1, call 3", "user 2, call 1"])
        clock.advance(by: 1)
        try await region.invalidate(tag: "user:1")
        #expect(try await loadUsers.get([1, 2]) == [nil, "user 2, call 1"])
    }

    @Test("a cached multi function's tags that cannot be stored are refused with invalidTag, and nothing is stored")
    func cachedMultiFunctionBadTags() async throws {
        let region = try RaceBackend.bytes.region(clock: clock)
        let loadUsers = region.cacheMultiOnArguments(name: "loadUsers", tags: { (id: Int) in id == 2 ? [""] : ["user:\(id)"] }) {
            (ids: [Int]) async throws -> [String] in ids.map { "user \($0)" }
        }
        await #expect(throws: CacheError(.invalidTag, "")) { try await loadUsers.set([1: "one", 2: "two"]) }
        await #expect(throws: CacheError(.invalidTag, "")) { try await loadUsers.refresh([1, 2]) }
        #expect(try await loadUsers.get([1, 2]) == [nil, nil])
    }
}

extension TagTests {
    @Test("setMulti(_:tags:) tags every value it stores", arguments: RaceBackend.allCases)
    func setMultiTags(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        try await region.setMulti(["a": 1, "b": 2], tags: ["numbers"])
        try await region.setMulti(["c": 3])
        clock.advance(by: 1)
        try await region.invalidate(tag: "numbers")
        #expect(try await region.getMulti(["a", "b", "c"], as: Int.self) == [nil, nil, 3])
        await #expect(throws: CacheError(.invalidTag, "")) { try await region.setMulti(["d": 4], tags: [""]) }
    }
}

extension TagTests {
    @Test("getOrCreateMulti(_:tags:) tags each created value from its key", arguments: RaceBackend.allCases)
    func getOrCreateMultiTags(backend: RaceBackend) async throws {
        let region = try backend.region(clock: clock)
        try await region.set("user:1", "cached")
        let values = try await region.getOrCreateMulti(["user:1", "user:2", "user:3"], tags: { key in [key, "users"] }) { keys in
            keys.map { "made \($0)" }
        }
        #expect(values == ["cached", "made user:2", "made user:3"])
        clock.advance(by: 1)
        try await region.invalidate(tag: "user:2")
        #expect(try await region.getMulti(["user:1", "user:2", "user:3"], as: String.self) == ["cached", nil, "made user:3"])
        try await region.invalidate(tag: "users")
        // user:1 was stored before, without tags: no tag reaches it.
        #expect(try await region.getMulti(["user:1", "user:3"], as: String.self) == ["cached", nil])
    }
}
