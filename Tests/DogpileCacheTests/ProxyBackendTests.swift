import DogpileCache
import DogpileCacheTesting
import Testing

/// Records the operations that pass through it, with its name, into a shared journal.
struct RecordingProxy: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
    let name: String
    let journal: CreatorLog

    func get(_ key: String) async throws -> CachedValue? {
        journal.record(["\(name) get \(key)"])
        return try await proxied.get(key)
    }

    func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        journal.record(["\(name) getMulti \(keys.joined(separator: ","))"])
        return try await proxied.getMulti(keys)
    }

    func set(_ key: String, _ value: CachedValue) async throws {
        journal.record(["\(name) set \(key)"])
        try await proxied.set(key, value)
    }
}

/// Overrides only `set`, counting the sets; everything else passes through.
struct CountingSets: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
    let sets = CreatorLog()

    func set(_ key: String, _ value: CachedValue) async throws {
        sets.record([key])
        try await proxied.set(key, value)
    }
}

@Suite(.timeLimit(.minutes(1))) struct ProxyBackendTests {
    @Test(arguments: BackendConformance.checks)
    func loggingProxyConforms(_ check: BackendConformance.Check) async throws {
        try await check.run(on: LoggingProxy(proxying: MemoryBackend()))
    }

    @Test(arguments: BackendConformance.checks)
    func retryProxyConforms(_ check: BackendConformance.Check) async throws {
        try await check.run(on: RetryProxy(proxying: MemoryBackend()))
    }

    @Test(arguments: BackendConformance.checks)
    func faultInjectingProxyWithoutFaultsConforms(_ check: BackendConformance.Check) async throws {
        try await check.run(on: FaultInjectingProxy(proxying: MemoryBackend()))
    }

    @Test(arguments: BackendConformance.checks)
    func chainOfThreeConforms(_ check: BackendConformance.Check) async throws {
        let chain = LoggingProxy(proxying: try RetryProxy(proxying: CountingSets(proxied: MemoryBackend())))
        try await check.run(on: chain)
    }

    @Test func firstProxyIsOutermost() async throws {
        let journal = CreatorLog()
        let backend = MemoryBackend()
        let region = try CacheRegion(
            backend: backend,
            wrap: [RecordingProxy(name: "A", journal: journal), RecordingProxy(name: "B", journal: journal)]
        )
        try await region.set("k", 1)
        _ = try await region.getOrCreate("k") { 2 }
        #expect(journal.keysPerCall.map { $0[0] } == ["A set k", "B set k", "A get k", "B get k"])
        #expect(try region.actualBackend as? MemoryBackend === backend)
        #expect(try region.backend is RecordingProxy)
    }

    @Test func wrapAddsTheNewOutermostProxy() async throws {
        let journal = CreatorLog()
        let region = try CacheRegion(backend: MemoryBackend(), wrap: [RecordingProxy(name: "inner", journal: journal)])
        try await region.wrap(RecordingProxy(name: "outer", journal: journal))
        try await region.set("k", 1)
        #expect(journal.keysPerCall.map { $0[0] } == ["outer set k", "inner set k"])
        #expect(try region.actualBackend is MemoryBackend)
    }

    @Test func aProxyOverridingOneMethodSeesOnlyThatAndTheRestStillWorks() async throws {
        let counting = CountingSets()
        let region = try CacheRegion(backend: MemoryBackend(), wrap: [counting])
        #expect(try await region.getOrCreate("a") { "created" } == "created")
        #expect(try await region.get("a", as: String.self) == "created")
        try await region.setMulti(["b": "x", "c": "y"])
        #expect(try await region.getMulti(["b", "c"], as: String.self) == ["x", "y"])
        try await region.delete("a")
        #expect(try await region.get("a", as: String.self) == nil)
        #expect(counting.sets.keysPerCall == [["a"]])  // setMulti passed through untouched
    }

    @Test func twoRegionsWithTheirOwnProxyInstancesShareNoState() async throws {
        let first = CountingSets()
        let second = CountingSets()
        let one = try CacheRegion(backend: MemoryBackend(), wrap: [first])
        let two = try CacheRegion(backend: MemoryBackend(), wrap: [second])
        try await one.set("k", 1)
        try await two.set("k", 2)
        try await two.set("l", 3)
        #expect(first.sets.calls == 1)
        #expect(second.sets.calls == 2)
        #expect(try await one.get("k", as: Int.self) == 1)
    }

    @Test func classProxiesAreRefused() async throws {
        final class SharedProxy: ProxyBackend, @unchecked Sendable {
            // @unchecked: test-only; the region refuses it before any use.
            var proxied: any AsyncCacheBackend = NullBackend()
        }
        #expect(throws: CacheError(.invalidConfiguration, "")) {
            _ = try CacheRegion(backend: MemoryBackend(), wrap: [SharedProxy()])
        }
        let region = try CacheRegion(backend: MemoryBackend())
        await #expect(throws: CacheError(.invalidConfiguration, "")) { try await region.wrap(SharedProxy()) }
    }

    @Test func wrapKeepsEverySetting() async throws {
        let region = try CacheRegion(backend: BytesMemoryBackend(), expirationTime: .seconds(30), backgroundRefresh: true)
        try await region.wrap(LoggingProxy())
        #expect(region.expirationTime == .seconds(30))
        #expect(try region.backend.storesBytes)
        try await region.set("k", Customer(id: 1, name: "n", tags: [], addresses: [], balance: 0))
        #expect(try await region.get("k", as: Customer.self)?.id == 1)
    }

    @Test func theMutexPassesThroughProxies() async throws {
        let locks = SharedLocks()
        let chain = LoggingProxy(proxying: try RetryProxy(proxying: LockingBackend(storage: MemoryBackend(), locks: locks)))
        let mutex = try #require(chain.mutex(for: "k"))
        #expect(try await mutex.acquire(wait: false))
        #expect(locks.isLocked("_lockk"))
        try await mutex.release()
        #expect(!locks.isLocked("_lockk"))
    }

    @Test func retryProxyRetriesTransientFailures() async throws {
        let faults = FaultInjectingProxy(failing: [.get], failureRate: 0.5, seed: 3, proxying: MemoryBackend())
        let retrying = try RetryProxy(attempts: 20, backoff: .zero, proxying: faults)
        try await retrying.set("k", CachedValue(payload: "v", creationTime: 0))
        for _ in 0..<50 {
            #expect(try await retrying.get("k")?.payload as? String == "v")
        }
        #expect(faults.injectedFaults > 0)
    }

    @Test func retryProxyGivesUpAfterItsAttempts() async throws {
        let faults = FaultInjectingProxy(failing: [.set], proxying: MemoryBackend())
        let retrying = try RetryProxy(attempts: 3, backoff: .zero, proxying: faults)
        await #expect(throws: CacheError(.backendUnavailable, "")) {
            try await retrying.set("k", CachedValue(payload: 1, creationTime: 0))
        }
        #expect(faults.injectedFaults == 3)
    }

    @Test func retryProxyNeverRetriesCancellation() async throws {
        let faults = FaultInjectingProxy(failing: .all, error: CancellationError(), proxying: MemoryBackend())
        let retrying = try RetryProxy(attempts: 5, backoff: .zero, proxying: faults)
        await #expect(throws: CancellationError.self) { try await retrying.get("k") }
        #expect(faults.injectedFaults == 1)
    }

    @Test func retryProxyRejectsBadSettings() {
        #expect(throws: CacheError(.invalidConfiguration, "")) { try RetryProxy(attempts: 0) }
        #expect(throws: CacheError(.invalidConfiguration, "")) { try RetryProxy(backoff: .seconds(-1)) }
    }

    @Test func faultsFollowTheRateAndTheSeed() async throws {
        func failures(seed: UInt64) async -> Int {
            let faults = FaultInjectingProxy(failing: .reads, failureRate: 0.25, seed: seed, proxying: MemoryBackend())
            var failed = 0
            for _ in 0..<1_000 {
                do { _ = try await faults.get("k") } catch { failed += 1 }
            }
            return failed
        }
        let first = await failures(seed: 42)
        #expect(first == (await failures(seed: 42)))
        #expect((200...300).contains(first))
    }

    @Test func regionFailsOpenBehindAFaultyProxy() async throws {
        let faults = FaultInjectingProxy(failing: .all, proxying: MemoryBackend())
        let region = try CacheRegion(backend: MemoryBackend(), wrap: [faults])
        #expect(try await region.getOrCreate("k") { "still served" } == "still served")
        #expect(region.statistics.backendErrors == 2)
    }

    @Test func loggingProxyLogsOperationsAndFailures() async throws {
        let log = CapturedLog()
        let logging = LoggingProxy(logger: log.logger(), proxying: FaultInjectingProxy(failing: [.delete], proxying: MemoryBackend()))
        try await logging.set("k", CachedValue(payload: 1, creationTime: 0))
        _ = try await logging.get("k")
        _ = try await logging.get("missing")
        await #expect(throws: CacheError.self) { try await logging.delete("k") }
        let lines = log.messages
        #expect(lines.contains { $0.hasPrefix("backend set keys=k outcome=ok") })
        #expect(lines.contains { $0.hasPrefix("backend get keys=k outcome=hit") })
        #expect(lines.contains { $0.hasPrefix("backend get keys=missing outcome=miss") })
        #expect(lines.contains { $0.hasPrefix("backend delete failed keys=k outcome=backendUnavailable: injected fault") })
    }
}
