import DogpileCache
import DogpileCacheTesting
import Synchronization
import Testing

/// A user's own in-process store that counts how it is read: synchronously or through `get`.
final class CountingStorage: SynchronousCacheStorage {
    let storage = MemoryBackend()
    let synchronousReads = Atomic<Int>(0)
    let asyncReads = Atomic<Int>(0)

    func get(_ key: String) async throws -> CachedValue? {
        asyncReads.add(1, ordering: .relaxed)
        return storage.storedValue(for: key)
    }
    func set(_ key: String, _ value: CachedValue) async throws { try storeValue(value, for: key) }
    func delete(_ key: String) async throws { try await storage.delete(key) }
    func storedValue(for key: String) -> CachedValue? {
        synchronousReads.add(1, ordering: .relaxed)
        return storage.storedValue(for: key)
    }
    func storeValues(_ entries: [(key: String, value: CachedValue)]) throws { try storage.storeValues(entries) }
}

/// A proxy that declares it leaves reads and writes alone.
struct DeclaredPassThroughProxy: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
    var passThrough: ProxyPassThrough { [.reads, .writes] }
}

/// A region hit on synchronous storage is read without an async call: on a user's own store, and
/// through proxies that declare they pass reads through; a proxy that does not declare it gets the
/// async read it may be overriding.
@Suite struct SynchronousPathTests {
    @Test(arguments: [0, 1, 3])
    func hitsThroughPassThroughProxiesAreSynchronous(proxies: Int) async throws {
        let storage = CountingStorage()
        let region = try CacheRegion(
            backend: storage, wrap: Array(repeating: DeclaredPassThroughProxy(), count: proxies)
        )
        try await region.set("k", "v")
        for _ in 0..<5 {
            #expect(try await region.getOrCreate("k") { "created" } == "v")
        }
        #expect(storage.asyncReads.load(ordering: .relaxed) == 0)
        #expect(storage.synchronousReads.load(ordering: .relaxed) == 5)
        #expect(region.statistics.hits == 5)
    }

    @Test func aProxyThatDoesNotDeclarePassThroughIsReadAsync() async throws {
        let storage = CountingStorage()
        let region = try CacheRegion(backend: storage, wrap: [DeclaredPassThroughProxy(), ForwardingProxy()])
        try await region.set("k", "v")
        for _ in 0..<5 {
            #expect(try await region.getOrCreate("k") { "created" } == "v")
        }
        #expect(storage.asyncReads.load(ordering: .relaxed) == 5)
        #expect(storage.synchronousReads.load(ordering: .relaxed) == 0)
        #expect(region.statistics.hits == 5)
    }
}
