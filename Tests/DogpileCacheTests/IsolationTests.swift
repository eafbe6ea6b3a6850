import DogpileCache
import DogpileCacheTesting
import Testing

/// A forwarding proxy that records the isolation each backend call runs in.
struct IsolationRecordingProxy: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
    let log = LockedIsolations()

    nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        log.record("get", #isolation)
        return try await proxied.get(key)
    }

    nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        log.record("getMulti", #isolation)
        return try await proxied.getMulti(keys)
    }

    nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        log.record("set", #isolation)
        try await proxied.set(key, value)
    }

    nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        log.record("setMulti", #isolation)
        try await proxied.setMulti(entries)
    }

    nonisolated(nonsending) func delete(_ key: String) async throws {
        log.record("delete", #isolation)
        try await proxied.delete(key)
    }

    nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        log.record("deleteMulti", #isolation)
        try await proxied.deleteMulti(keys)
    }
}

/// The operations a proxy saw, with the actor each ran on (`nil` for none).
final class LockedIsolations: Sendable {
    private let calls = LockedValue<[(String, ObjectIdentifier?)]>([])

    func record(_ operation: String, _ isolation: (any Actor)?) {
        calls.withLock { $0.append((operation, isolation.map { ObjectIdentifier($0) })) }
    }

    var operations: [String] { calls.withLock { $0.map(\.0) } }
    var isolations: [ObjectIdentifier?] { calls.withLock { $0.map(\.1) } }
}

/// Calls every public async operation of a region and of its cached functions from one actor.
actor RegionCaller {
    func callEverything(on region: CacheRegion) async throws {
        try await region.set("a", 1)
        try await region.setMulti(["b": 2, "c": 3])
        _ = try await region.get("a", as: Int.self)
        _ = try await region.getMulti(["a", "b"], as: Int.self)
        _ = try await region.valueMetadata("a", as: Int.self)
        _ = try await region.getOrCreate("a") { 0 }
        _ = try await region.getOrCreateMulti(["a", "b"]) { $0.map { _ in 0 } }
        try await region.delete("a")
        try await region.deleteMulti(["b", "c"])
        let one = region.cacheOnArguments(name: "one") { (id: Int) in id }
        try await one.set(5, 5)
        _ = try await one.get(5)
        try await one.invalidate(5)
        let many = region.cacheMultiOnArguments(name: "many") { (ids: [Int]) in ids }
        try await many.set([6: 6])
        _ = try await many.get([6])
        _ = try await many([6])
        try await many.invalidate([6])
    }
}

@Suite struct IsolationTests {
    /// Every public async method runs on its caller's executor: a backend call it makes runs on the
    /// calling actor, with no hop to the global executor and back.
    @Test func everyOperationRunsOnTheCallersActor() async throws {
        let proxy = IsolationRecordingProxy()
        let region = try CacheRegion(backend: MemoryBackend(), wrap: [proxy])
        let caller = RegionCaller()
        try await caller.callEverything(on: region)
        #expect(Set(proxy.log.operations) == ["get", "getMulti", "set", "setMulti", "delete", "deleteMulti"])
        #expect(proxy.log.isolations.allSatisfy { $0 == ObjectIdentifier(caller) })
    }
}
