@testable import DogpileCache
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

    @Test func boundEvictsAnEntryNotReadSinceTheHandPassed() {
        var store = MemoryStore(maxEntries: 3)
        _ = store.setValue(value(1), for: "a")
        _ = store.setValue(value(2), for: "b")
        _ = store.setValue(value(3), for: "c")
        _ = store.value(for: "a")  // a gets a second chance
        _ = store.setValue(value(4), for: "d")
        #expect(store.count == 3)
        #expect(store.value(for: "a")?.payload as? Int == 1)
        #expect(store.value(for: "b") == nil)
        #expect(store.value(for: "c")?.payload as? Int == 3)
        #expect(store.value(for: "d")?.payload as? Int == 4)
    }

    @Test func boundHoldsWhenEveryEntryWasRead() {
        var store = MemoryStore(maxEntries: 2)
        _ = store.setValue(value(1), for: "a")
        _ = store.setValue(value(2), for: "b")
        _ = store.value(for: "a")
        _ = store.value(for: "b")
        _ = store.setValue(value(3), for: "c")
        #expect(store.count == 2)
        #expect(store.value(for: "c")?.payload as? Int == 3)
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

    @Test func boundNeverExceededUnderChurn() {
        var store = MemoryStore(maxEntries: 10)
        for index in 0..<10_000 {
            _ = store.setValue(value(index), for: "k\(index % 37)")
            if index % 3 == 0 { _ = store.value(for: "k\(index % 11)") }
            if index % 7 == 0 { _ = store.removeValue(for: "k\(index % 13)") }
            #expect(store.count <= 10)
        }
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
