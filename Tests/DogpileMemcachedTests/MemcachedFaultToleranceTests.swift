import DogpileCache
import DogpileCacheTesting
import DogpileMemcachedTesting
import Testing

@testable import DogpileMemcached

@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct MemcachedFaultToleranceTests {
    /// Short timeouts, so failures come fast and a failed server is tried again after a second.
    static func configuration(_ servers: [MemcachedBackend.Server]) -> MemcachedBackend.Configuration {
        var configuration = MemcachedBackend.Configuration(servers: servers)
        configuration.connectTimeout = .milliseconds(200)
        configuration.pollTimeout = .milliseconds(200)
        configuration.retryTimeout = .seconds(1)
        configuration.serverFailureLimit = 1
        configuration.poolSize = 2
        return configuration
    }

    /// Retries `set` then `get` of `key` until the backend answers, within `limit`.
    static func waitForRecovery(_ backend: MemcachedBackend, key: String, limit: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + limit
        let value = CachedValue(payload: Array("back".utf8), creationTime: 1)
        while ContinuousClock.now < deadline {
            let stored = (try? await backend.set(key, value)) != nil
            let read = try? await backend.get(key)
            if stored, read?.payload as? [UInt8] == Array("back".utf8) {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("the backend did not use the server again within \(limit)")
    }

    /// A call to a server that is not there fails with `backendUnavailable` (rather than hanging: the
    /// suite's time limit catches that; how fast it fails is for a benchmark, not a timed test).
    @Test func aServerAbsentAtStartFailsAndIsUsedOnceItStarts() async throws {
        let port = try MemcachedServerProcess.freePort()
        let backend = try MemcachedBackend(configuration: Self.configuration([.init(host: "127.0.0.1", port: port)]))
        await #expect(throws: CacheError(.backendUnavailable, "")) { try await backend.get("absent") }

        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60))
        #expect(try await region.getOrCreate("absent") { "created" } == "created")
        #expect(region.statistics.backendErrors >= 1)

        let server = try await MemcachedServerProcess(port: port)
        try await Self.waitForRecovery(backend, key: uniqueKey("absent"))
        await backend.shutdown()
        server.stop()
    }

    @Test func errorsCarryLibmemcachedsTextNotSuccess() async throws {
        let port = try MemcachedServerProcess.freePort()
        let backend = try MemcachedBackend(configuration: Self.configuration([.init(host: "127.0.0.1", port: port)]))
        var messages: [String] = []
        for operation in ["set", "delete", "get"] {
            do {
                switch operation {
                case "get": _ = try await backend.get("k")
                case "set": try await backend.set("k", CachedValue(payload: [UInt8]([1]), creationTime: 1))
                default: try await backend.delete("k")
                }
                Issue.record("\(operation) on a server that is not there succeeded")
            } catch let error as CacheError {
                messages.append(error.message)
            }
        }
        // The first failure names libmemcached's own text; the later ones, the skipped server.
        #expect(messages.count == 3)
        #expect(messages.first?.contains("CONNECTION FAILURE") == true, "\(messages)")
        for message in messages {
            #expect(!message.contains("SUCCESS"), "\(message)")
        }
        await backend.shutdown()
    }

    @Test func aServerKilledMidRunIsUsedAgainAfterItRestarts() async throws {
        let server = try await MemcachedServerProcess()
        let log = CapturedLog()
        let backend = try MemcachedBackend(configuration: Self.configuration([server.server]), logger: log.logger())
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60))
        let key = uniqueKey("killed")
        #expect(try await region.getOrCreate(key) { 1 } == 1)
        #expect(try await region.getOrCreate(key) { 2 } == 1, "served from memcached")

        server.stop()
        await #expect(throws: CacheError(.backendUnavailable, "")) { try await backend.get(key) }
        #expect(try await region.getOrCreate(key) { 3 } == 3, "the region keeps serving from the creator")

        try await server.start()
        try await Self.waitForRecovery(backend, key: uniqueKey("restarted"))
        #expect(try await region.getOrCreate(key) { 4 } == 4, "the restarted server is empty")
        #expect(try await region.getOrCreate(key) { 5 } == 4, "and stores again")
        // The breaker opened once, however many calls failed while the server was away, and closed.
        #expect(log.warnings.count == 1, "\(log.warnings)")
        #expect(log.warnings.first?.hasPrefix("memcached server failed to answer; calls for its keys fail at once") == true)
        #expect(log.warnings.first?.contains("server=127.0.0.1:\(server.port)") == true)
        #expect(log.messages.contains { $0.hasPrefix("memcached server answers again") })
        await backend.shutdown()
    }

    @Test func aFrozenServerNeverBlocksTheCooperativePool() async throws {
        let server = try await MemcachedServerProcess()
        var configuration = Self.configuration([server.server])
        // Longer than the test can take to reach its checks however slowly it runs (under
        // ThreadSanitizer, beside other suites): the calls wait until the server thaws, never time out.
        configuration.pollTimeout = .seconds(40)
        let backend = try MemcachedBackend(configuration: configuration)
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60))
        let warm = uniqueKey("warm")
        #expect(try await region.getOrCreate(warm) { 0 } == 0)

        server.freeze()
        let finished = LockedValue(0)
        let accepted = backend.requestCounts.accepted
        let keys = (0..<32).map { uniqueKey("frozen\($0)") }
        let calls = keys.indices.map { index in
            Task {
                defer { finished.withLock { $0 += 1 } }
                return try await region.getOrCreate(keys[index]) { index }
            }
        }
        // Every read is queued or on a worker waiting for the frozen server.
        try await waitUntil { backend.requestCounts.accepted >= accepted + 32 }
        // More calls wait on the frozen server than the cooperative pool has threads; an unrelated
        // task must still run to completion while every one of them is waiting.
        let unrelated = Task {
            var steps = 0
            for _ in 0..<200 {
                await Task.yield()
                steps += 1
            }
            return steps
        }
        #expect(await unrelated.value == 200)
        #expect(finished.withLock { $0 } == 0, "the cache calls were still waiting for the frozen server")

        server.thaw()
        for (index, call) in calls.enumerated() {
            #expect(try await call.value == index, "a miss once the server answers: the creator's value")
        }
        #expect(try await region.getOrCreate(keys[0]) { -1 } == 0, "and stored")
        await backend.shutdown()
    }

    @Test func aCallCancelledWhileQueuedReturnsAtOnce() async throws {
        let server = try await MemcachedServerProcess()
        var configuration = Self.configuration([server.server])
        configuration.poolSize = 1
        // Long enough that the first call still holds the only worker when the second is queued,
        // however slowly the test runs (under ThreadSanitizer, beside other tests); thawing the
        // server ends it.
        configuration.pollTimeout = .seconds(30)
        let backend = try MemcachedBackend(configuration: configuration)
        try await backend.set("warm", CachedValue(payload: [UInt8]([1]), creationTime: 1))

        server.freeze()
        let first = Task { try await backend.get("warm") }
        try await waitUntil { backend.requestCounts == (queued: 0, accepted: 2) }
        let second = Task { try await backend.get("warm") }
        try await waitUntil { backend.requestCounts == (queued: 1, accepted: 3) }
        second.cancel()
        await #expect(throws: CancellationError.self) { try await second.value }
        #expect(backend.requestCounts.queued == 0)
        server.thaw()
        _ = try? await first.value
        await backend.shutdown()
    }

    @Test func withThreeServersAndOneKilledOnlyItsKeysMiss() async throws {
        let servers = [try await MemcachedServerProcess(), try await MemcachedServerProcess(), try await MemcachedServerProcess()]
        let backend = try MemcachedBackend(configuration: Self.configuration(servers.map(\.server)))
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(60))
        let keys = (0..<300).map { uniqueKey("spread\($0)") }
        var home: [String: String] = [:]
        for key in keys {
            _ = try await region.getOrCreate(key) { key }
            home[try await backend.server(forKey: key)] = nil
            home[key] = try await backend.server(forKey: key)
        }
        let killed = servers[1].server.description
        let lost = Set(keys.filter { home[$0] == killed })
        #expect(!lost.isEmpty && lost.count < keys.count)

        servers[1].stop()
        let read = try await backend.getMulti(keys)
        for (key, value) in zip(keys, read) {
            #expect((value == nil) == lost.contains(key), "\(key) on \(home[key] ?? "?")")
        }
        for key in keys {
            let value = try await region.get(key, as: String.self)
            #expect((value == nil) == lost.contains(key))
            #expect(value == nil || value == key)
        }
        for key in lost {
            await #expect(throws: CacheError(.backendUnavailable, ""), "a lost key is a failure, not a miss") {
                try await backend.get(key)
            }
        }
        await backend.shutdown()
    }

    @Test func withEjectionAKilledServersKeysMoveToTheOthers() async throws {
        let servers = [try await MemcachedServerProcess(), try await MemcachedServerProcess(), try await MemcachedServerProcess()]
        var configuration = Self.configuration(servers.map(\.server))
        configuration.ejectDeadServers = true
        configuration.retryTimeout = .seconds(30)
        let backend = try MemcachedBackend(configuration: configuration)
        let killed = servers[1].server.description
        var lost: [String] = []
        for index in 0..<100 where lost.count < 5 {
            let key = "eject:\(index)"
            if try await backend.server(forKey: key) == killed {
                lost.append(key)
            }
        }
        try #require(lost.count == 5)

        servers[1].stop()
        for key in lost {
            try await Self.waitForRecovery(backend, key: key)
            #expect(try await backend.server(forKey: key) != killed, "\(key) moved to a living server")
        }
        await backend.shutdown()
    }

    @Test func withTwoServersAndOneFrozenItsKeysFailAndTheOthersStillHit() async throws {
        let servers = [try await MemcachedServerProcess(), try await MemcachedServerProcess()]
        var configuration = Self.configuration(servers.map(\.server))
        configuration.retryTimeout = .seconds(30)
        let backend = try MemcachedBackend(configuration: configuration)
        let frozen = servers[0].server.description
        var onFrozen: [String] = []
        var onLiving: [String] = []
        for index in 0..<40 {
            let key = uniqueKey("frozen-pair\(index)")
            try await backend.set(key, CachedValue(payload: Array(key.utf8), creationTime: 1))
            if try await backend.server(forKey: key) == frozen {
                onFrozen.append(key)
            } else {
                onLiving.append(key)
            }
        }
        try #require(!onFrozen.isEmpty && !onLiving.isEmpty)

        servers[0].freeze()
        let read = try await backend.getMulti(onFrozen + onLiving)
        #expect(read.prefix(onFrozen.count).allSatisfy { $0 == nil })
        #expect(zip(onLiving, read.suffix(onLiving.count)).allSatisfy { $0.1?.payload as? [UInt8] == Array($0.0.utf8) })
        for key in onFrozen {
            await #expect(throws: CacheError(.backendUnavailable, ""), "a frozen server's key is a failure, not a miss") {
                try await backend.get(key)
            }
        }
        for key in onLiving {
            #expect(try await backend.get(key)?.payload as? [UInt8] == Array(key.utf8))
        }
        servers[0].thaw()
        await backend.shutdown()
    }
}
