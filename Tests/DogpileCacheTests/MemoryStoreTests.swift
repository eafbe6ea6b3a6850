@testable import DogpileCache
import DogpileCacheTesting
import Testing

@Suite struct MemoryStoreTests {
    private func value(_ payload: Int) -> CachedValue {
        CachedValue(payload: payload, creationTime: 1)
    }

    @Test func unboundedKeepsEverything() {
        var store = MemoryStore(maxEntries: nil)
        for index in 0..<1000 {
            store.set(value(index), for: "k\(index)")
        }
        #expect(store.count == 1000)
        #expect(store.value(for: "k0")?.payload as? Int == 0)
        #expect(store.value(for: "k999")?.payload as? Int == 999)
    }

    @Test func lruEvictsTheLeastRecentlyUsed() {
        var store = MemoryStore(maxEntries: 3, policy: .lru)
        store.set(value(1), for: "a")
        store.set(value(2), for: "b")
        store.set(value(3), for: "c")
        _ = store.value(for: "a")
        #expect(store.set(value(4), for: "d").map(\.value.payload) as? [Int] == [2], "b, the least recently used, is evicted")
        #expect(store.count == 3)
        #expect(store.value(for: "a")?.payload as? Int == 1)
        #expect(store.value(for: "b") == nil)
        #expect(store.value(for: "c")?.payload as? Int == 3)
        #expect(store.value(for: "d")?.payload as? Int == 4)
    }

    /// Ten keys read often, then a scan of 500 keys read once: W-TinyLFU keeps the ten (a key leaving
    /// its window gets into the main area only if it was used more than the entry it would push
    /// out), where LRU lets the scan flush them.
    @Test func tinyLFUKeepsFrequentKeysThroughAScanThatFlushesLRU() {
        func survivors(_ policy: MemoryBackend.EvictionPolicy) -> Int {
            var store = MemoryStore(maxEntries: 100, policy: policy)
            for index in 0..<100 { store.set(value(index), for: "k\(index)") }
            for _ in 0..<5 {
                for index in 0..<10 { _ = store.value(for: "k\(index)") }
            }
            for index in 0..<500 { store.set(value(index), for: "scan\(index)") }
            #expect(store.count == 100)
            var kept = 0
            for index in 0..<10 where store.value(for: "k\(index)")?.payload as? Int == index {
                kept += 1
            }
            return kept
        }
        #expect(survivors(.tinyLFU) == 10)
        #expect(survivors(.lru) == 0)
    }

    /// A loop over 120 keys through a bound of 100: LRU always evicts the key needed next and never
    /// hits; W-TinyLFU keeps most of the loop.
    @Test func tinyLFUKeepsMostOfALoopThatLRUNeverHits() {
        func hits(_ policy: MemoryBackend.EvictionPolicy) -> Int {
            var store = MemoryStore(maxEntries: 100, policy: policy)
            var hits = 0
            for _ in 0..<50 {
                for index in 0..<120 {
                    if store.value(for: "loop\(index)") != nil {
                        hits += 1
                    } else {
                        store.set(value(index), for: "loop\(index)")
                    }
                }
            }
            return hits
        }
        #expect(hits(.lru) == 0)
        #expect(hits(.tinyLFU) > 50 * 120 / 2)
    }

    @Test func replacingAKeyDoesNotEvict() {
        var store = MemoryStore(maxEntries: 2)
        store.set(value(1), for: "a")
        store.set(value(2), for: "b")
        store.set(value(3), for: "a")
        #expect(store.count == 2)
        #expect(store.value(for: "a")?.payload as? Int == 3)
        #expect(store.value(for: "b")?.payload as? Int == 2)
    }

    @Test func deletedSlotsAreReused() {
        var store = MemoryStore(maxEntries: 2)
        store.set(value(1), for: "a")
        store.set(value(2), for: "b")
        store.remove("a")
        store.set(value(3), for: "c")
        #expect(store.count == 2)
        #expect(store.value(for: "b")?.payload as? Int == 2)
        #expect(store.value(for: "c")?.payload as? Int == 3)
        store.remove("missing")
        #expect(store.count == 2)
    }

    /// Random reads, writes and deletes against a reference model of what the store holds: the
    /// store never goes over a bound, returns exactly the value last set for a key it holds (never a
    /// deleted one, never another key's), and reports every value that leaves once, with its cause:
    /// `replaced` and `explicit` for the value the model holds, `size` or `weight` only when a set
    /// took the store over that bound.
    @Test(arguments: [MemoryBackend.EvictionPolicy.lru, .tinyLFU], [(1, nil), (7, nil), (64, nil), (nil, 50), (16, 40)] as [(Int?, Int?)])
    func randomOperationsAgreeWithAReferenceModel(policy: MemoryBackend.EvictionPolicy, bounds: (entries: Int?, weight: Int?)) {
        var store = MemoryStore(maxEntries: bounds.entries, maxWeight: bounds.weight, policy: policy)
        var held: [String: (value: Int, weight: Int)] = [:]
        var reported = Set<Int>()
        var random = SplitMix64(seed: UInt64(bounds.entries ?? 0) &* 31 &+ UInt64(bounds.weight ?? 0) &+ (policy == .lru ? 1 : 2))
        var nextValue = 0
        for _ in 0..<20_000 {
            let key = "k\(random.next() % 100)"
            var removals: [MemoryBackend.Eviction]
            var allowed: Set<MemoryBackend.Eviction.Cause>
            var stored: (value: Int, weight: Int)?
            switch random.next() % 10 {
            case 0..<5:
                #expect(store.value(for: key)?.payload as? Int == held[key]?.value, "the value last set for \(key)")
                continue
            case 5..<9:
                nextValue += 1
                let weight = Int(random.next() % 13)
                removals = store.set(value(nextValue), for: key, weight: weight)
                allowed = [.replaced]
                if bounds.entries != nil { allowed.insert(.size) }
                if bounds.weight != nil { allowed.insert(.weight) }
                stored = (nextValue, weight)
            default:
                removals = store.remove(key)
                allowed = [.explicit]
                if held[key] == nil { #expect(removals.isEmpty) }
            }
            for removal in removals {
                let payload = removal.value.payload as? Int ?? -1
                if removal.key == key, payload == stored?.value {
                    // The value just set, evicted at once.
                    #expect(removal.cause.isEviction)
                    stored = nil
                } else {
                    #expect(payload == held[removal.key]?.value, "\(removal.cause) reports the value held for \(removal.key)")
                    held[removal.key] = nil
                }
                #expect(allowed.contains(removal.cause), "\(removal.cause) is not a cause for this operation")
                #expect(reported.insert(payload).inserted, "value \(payload) reported twice")
            }
            if let stored { held[key] = stored }
            if let maxEntries = bounds.entries { #expect(store.count <= maxEntries) }
            if let maxWeight = bounds.weight { #expect(store.totalWeight <= maxWeight) }
            #expect(store.count == held.count)
            if bounds.weight != nil { #expect(store.totalWeight == held.values.reduce(0) { $0 + $1.weight }) }
        }
        #expect(reported.count + store.count == nextValue, "every value stored is either held or reported once")
    }

    @Test func anEntryHeavierThanTheBoundIsNeverKeptAndTakesTheOldValueOut() {
        var store = MemoryStore(maxEntries: nil, maxWeight: 10)
        store.set(value(1), for: "a", weight: 4)
        store.set(value(2), for: "b", weight: 4)
        let removals = store.set(value(3), for: "a", weight: 11)
        #expect(removals.map(\.cause) == [.replaced, .weight])
        #expect(removals.map { $0.value.payload as? Int } == [1, 3])
        #expect(store.value(for: "a") == nil, "neither the old value nor the new one")
        #expect(store.value(for: "b")?.payload as? Int == 2, "and nothing else goes")
        #expect(store.totalWeight == 4)
    }

    @Test func aHeavyEntryEvictsAsManyAsItNeeds() {
        var store = MemoryStore(maxEntries: nil, maxWeight: 10, policy: .lru)
        for index in 0..<5 { store.set(value(index), for: "k\(index)", weight: 2) }
        let removals = store.set(value(9), for: "heavy", weight: 7)
        #expect(removals.map { $0.value.payload as? Int } == [0, 1, 2, 3], "the least recently used, until 17 is down to 10")
        #expect(removals.allSatisfy { $0.cause == .weight })
        #expect(store.totalWeight == 9)
        #expect(store.value(for: "k4")?.payload as? Int == 4)
    }

    @Test func invalidBoundIsAClearError() {
        #expect(throws: CacheError(.invalidConfiguration, "")) {
            try MemoryBackend(maxEntries: 0)
        }
    }
}

extension MemoryStore {
    /// The value stored under `key`, counted as a use.
    fileprivate mutating func value(for key: String) -> CachedValue? {
        value(for: key, hash: key.hashValue)
    }

    /// Stores `value` and returns what left the store.
    @discardableResult
    fileprivate mutating func set(_ value: CachedValue, for key: String, weight: Int = 0) -> [MemoryBackend.Eviction] {
        var removed = RemovedValues()
        setValue(value, for: key, hash: key.hashValue, weight: weight, removed: &removed)
        return removed.all
    }

    /// Deletes `key` and returns what left the store.
    @discardableResult
    fileprivate mutating func remove(_ key: String) -> [MemoryBackend.Eviction] {
        var removed = RemovedValues()
        removeValue(for: key, hash: key.hashValue, removed: &removed)
        return removed.all
    }
}

@Suite(.timeLimit(.minutes(1))) struct MemoryBackendReleaseTests {
    /// A payload whose deinit calls back into the backend, which must not happen under its lock.
    final class CallsBackOnRelease: Sendable {
        let backend: MemoryBackend
        init(_ backend: MemoryBackend) { self.backend = backend }
        deinit { _ = backend.count }
    }

    @Test func payloadsAreReleasedOutsideTheLock() async throws {
        let backend = try MemoryBackend(maxEntries: 1)
        try await backend.set("a", CachedValue(payload: CallsBackOnRelease(backend), creationTime: 0))
        try await backend.set("a", CachedValue(payload: CallsBackOnRelease(backend), creationTime: 0))  // replace
        try await backend.set("b", CachedValue(payload: CallsBackOnRelease(backend), creationTime: 0))  // evict a
        try await backend.delete("b")
        try await backend.setMulti([(key: "c", value: CachedValue(payload: CallsBackOnRelease(backend), creationTime: 0))])
        try await backend.deleteMulti(["c"])
        #expect(backend.count == 0)
    }
}
