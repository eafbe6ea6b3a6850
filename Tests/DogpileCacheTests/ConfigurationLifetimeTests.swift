import DogpileCache
import DogpileCacheTesting
import Synchronization
import Testing

/// Counts the instances alive of a backend, so a test can see replaced backends being released.
final class LiveBackends: Sendable {
    let count = Atomic<Int>(0)
}

/// A memory backend that counts itself alive in a ``LiveBackends``.
final class CountedBackend: SynchronousCacheStorage {
    let storage = MemoryBackend()
    let live: LiveBackends

    init(live: LiveBackends) {
        self.live = live
        live.count.add(1, ordering: .relaxed)
    }

    deinit {
        live.count.subtract(1, ordering: .relaxed)
    }

    func get(_ key: String) async throws -> CachedValue? { storage.storedValue(for: key) }
    func set(_ key: String, _ value: CachedValue) async throws { try storage.storeValues([(key, value)]) }
    func delete(_ key: String) async throws { try await storage.delete(key) }
    func storedValue(for key: String) -> CachedValue? { storage.storedValue(for: key) }
    func storeValues(_ entries: [(key: String, value: CachedValue)]) throws { try storage.storeValues(entries) }
}

@Suite(.timeLimit(.minutes(1))) struct ConfigurationLifetimeTests {
    /// Reconfiguring keeps no replaced configuration: after 10,000 of them, with hits between, only
    /// the backend in force is alive.
    @Test func tenThousandReconfigurationsKeepOnlyTheBackendInForce() async throws {
        let live = LiveBackends()
        let region = try CacheRegion(backend: CountedBackend(live: live), expirationTime: .hours(1))
        for round in 0..<10_000 {
            try await region.configure(backend: CountedBackend(live: live), replaceExistingBackend: true)
            try await region.set("k", round)
            #expect(try await region.getOrCreate("k") { -1 } == round)
        }
        try await waitUntil { live.count.load(ordering: .relaxed) == 1 }
        #expect(region.isConfigured)
    }

    /// A replaced backend stays alive while a creation that started with it runs, and is released
    /// when that creation ends.
    @Test func aReplacedBackendIsReleasedOnceItsCallsEnd() async throws {
        let live = LiveBackends()
        let region = try CacheRegion(backend: CountedBackend(live: live))
        let gate = CreationGate()
        let parked = try await startParkedCreation(in: region, key: "k", gate: gate, returning: "from the old backend")
        try await region.configure(backend: CountedBackend(live: live), replaceExistingBackend: true)
        try await waitUntil { gate.parked == 1 }
        #expect(live.count.load(ordering: .relaxed) == 2)
        gate.open()
        #expect(try await parked.value == "from the old backend")
        try await waitUntil { live.count.load(ordering: .relaxed) == 1 }
        // The value went to the backend the creation started with, not to the new one.
        #expect(try await region.get("k", as: String.self) == nil)
    }

    /// A region released with its configuration releases its backend.
    @Test func aReleasedRegionReleasesItsBackend() async throws {
        let live = LiveBackends()
        do {
            let region = try CacheRegion(backend: CountedBackend(live: live))
            try await region.set("k", 1)
        }
        try await waitUntil { live.count.load(ordering: .relaxed) == 0 }
    }
}
