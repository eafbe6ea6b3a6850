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
            _ = store.setValue(value(index), for: "k\(index)")
        }
        #expect(store.count == 1000)
        #expect(store.value(for: "k0")?.payload as? Int == 0)
        #expect(store.value(for: "k999")?.payload as? Int == 999)
    }

    @Test func lruEvictsTheLeastRecentlyUsed() {
        var store = MemoryStore(maxEntries: 3, policy: .lru)
        _ = store.setValue(value(1), for: "a")
        _ = store.setValue(value(2), for: "b")
        _ = store.setValue(value(3), for: "c")
        _ = store.value(for: "a")
        #expect(store.setValue(value(4), for: "d")?.payload as? Int == 2, "b, the least recently used, is evicted")
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
            for index in 0..<100 { _ = store.setValue(value(index), for: "k\(index)") }
            for _ in 0..<5 {
                for index in 0..<10 { _ = store.value(for: "k\(index)") }
            }
            for index in 0..<500 { _ = store.setValue(value(index), for: "scan\(index)") }
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
                        _ = store.setValue(value(index), for: "loop\(index)")
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
        _ = store.setValue(value(1), for: "a")
        _ = store.setValue(value(2), for: "b")
        _ = store.setValue(value(3), for: "a")
        #expect(store.count == 2)
        #expect(store.value(for: "a")?.payload as? Int == 3)
        #expect(store.value(for: "b")?.payload as? Int == 2)
    }

    @Test func deletedSlotsAreReused() {
        var store = MemoryStore(maxEntries: 2)
        _ = store.setValue(value(1), for: "a")
        _ = store.setValue(value(2), for: "b")
        _ = store.removeValue(for: "a")
        _ = store.setValue(value(3), for: "c")
        #expect(store.count == 2)
        #expect(store.value(for: "b")?.payload as? Int == 2)
        #expect(store.value(for: "c")?.payload as? Int == 3)
        _ = store.removeValue(for: "missing")
        #expect(store.count == 2)
    }

    /// Random reads, writes and deletes against a dictionary as the reference model: the store never
    /// holds more than its bound, never returns a value for a key that was not set or was deleted
    /// since, never another key's value, and accounts for every value it lets go exactly once.
    @Test(arguments: [MemoryBackend.EvictionPolicy.lru, .tinyLFU], [1, 7, 64])
    func randomOperationsAgreeWithAReferenceModel(policy: MemoryBackend.EvictionPolicy, bound: Int) {
        var store = MemoryStore(maxEntries: bound, policy: policy)
        var model: [String: Int] = [:]  // what was set and not deleted; the store holds a subset
        var random = SplitMix64(seed: UInt64(bound) &* 31 &+ (policy == .lru ? 1 : 2))
        var nextValue = 0
        var released = 0
        for _ in 0..<20_000 {
            let key = "k\(random.next() % 100)"
            switch random.next() % 10 {
            case 0..<5:
                if let found = store.value(for: key) {
                    #expect(found.payload as? Int == model[key], "the value last set for \(key)")
                }
            case 5..<9:
                nextValue += 1
                if let displaced = store.setValue(value(nextValue), for: key) {
                    released += 1
                    #expect(displaced.payload is Int)
                }
                model[key] = nextValue
            default:
                if store.removeValue(for: key) != nil { released += 1 }
                model[key] = nil
            }
            #expect(store.count <= bound)
        }
        #expect(released + store.count == nextValue, "every value stored is either held or handed back once")
    }

    @Test func invalidBoundIsAClearError() {
        #expect(throws: CacheError(.invalidConfiguration, "")) {
            try MemoryBackend(maxEntries: 0)
        }
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
