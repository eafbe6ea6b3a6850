import DogpileCache
import DogpileCacheTesting
import DogpileMemcachedTesting
import Testing

@testable import DogpileMemcached

@Suite(.timeLimit(.minutes(1)))
struct MemcachedConfigurationTests {
    @Test func urlsListServersWithPortsAndWeights() throws {
        let servers = try MemcachedBackend.Configuration(url: " 10.0.0.1:11212, cache-b , cache-c:11213:3").servers
        #expect(servers == [
            .init(host: "10.0.0.1", port: 11212),
            .init(host: "cache-b", port: 11211),
            .init(host: "cache-c", port: 11213, weight: 3),
        ])
        #expect(servers.map(\.description) == ["10.0.0.1:11212", "cache-b:11211", "cache-c:11213:3"])
    }

    @Test(arguments: ["", ",", "host:", "host:0", "host:70000", "host:port", "host:1:0", "a:1:2:3", ":11211"])
    func badUrlsAreRejected(_ url: String) {
        #expect(throws: CacheError(.invalidConfiguration, "")) { try MemcachedBackend.Configuration(url: url) }
    }

    @Test func settingsOutOfRangeAreRejected() throws {
        let base = try MemcachedBackend.Configuration(url: "127.0.0.1")
        let broken: [(inout MemcachedBackend.Configuration) -> Void] = [
            { $0.servers = [] },
            { $0.poolSize = 0 },
            { $0.serverFailureLimit = 0 },
            { $0.pollTimeout = .zero },
            { $0.connectTimeout = .milliseconds(-1) },
            { $0.retryTimeout = .milliseconds(500) },
            { $0.memcachedExpireTime = .milliseconds(10) },
            { $0.lockTimeout = .zero },
        ]
        for breakIt in broken {
            var configuration = base
            breakIt(&configuration)
            #expect(throws: CacheError(.invalidConfiguration, "")) { try MemcachedBackend(configuration: configuration) }
        }
    }

    @Test func dogpileArgumentsConfigureTheBackend() throws {
        let arguments = BackendArguments(
            texts: [
                "url": "127.0.0.1:11211,127.0.0.1:11212:2",
                "binary": "True",
                "distributed_lock": "true",
                "lock_timeout": "0",
                "memcached_expire_time": "3600",
                "pool_size": "8",
                "poll_timeout": "0.25",
                "key_mangler": "sha1",
            ],
            keyPrefix: "cache.arguments."
        )
        let configuration = try MemcachedBackend.Configuration(arguments: arguments)
        #expect(configuration.servers.count == 2)
        #expect(configuration.binaryProtocol)
        #expect(configuration.distributedLock)
        #expect(configuration.lockTimeout == nil, "0 is a lock that never expires, as in dogpile.cache")
        #expect(configuration.memcachedExpireTime == .seconds(3600))
        #expect(configuration.poolSize == 8)
        #expect(configuration.pollTimeout == .milliseconds(250))
        #expect(configuration.keyMangler != nil)
    }

    @Test(arguments: [
        (["url": "127.0.0.1", "lock_timeout": "one hour"], "cache.arguments.lock_timeout"),
        (["url": "127.0.0.1", "binary": "maybe"], "cache.arguments.binary"),
        (["url": "127.0.0.1", "pool_size": "2.5"], "cache.arguments.pool_size"),
        (["url": "127.0.0.1", "memcached_expire_time": "-1"], "cache.arguments.memcached_expire_time"),
        (["url": "127.0.0.1", "key_mangler": "md5"], "cache.arguments.key_mangler"),
        (["url": "127.0.0.1", "behaviours": "x"], "cache.arguments.behaviours"),
        (["url": "nowhere:port"], "cache.arguments.url"),
        (["binary": "true"], "cache.arguments.url"),
    ])
    func badArgumentsNameTheirKey(_ texts: [String: String], _ key: String) {
        let arguments = BackendArguments(texts: texts, keyPrefix: "cache.arguments.")
        do {
            _ = try MemcachedBackend.Configuration(arguments: arguments)
            Issue.record("accepted \(texts)")
        } catch let error as CacheError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.contains("'\(key)'"), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"))
    func aRegionConfiguredByNameUsesMemcached() async throws {
        MemcachedBackend.registerBackend()
        let server = try TestServers.first()
        let region = CacheRegion(name: "by-name")
        try await region.configure(
            fromConfig: [
                "cache.backend": "memcached",
                "cache.expiration_time": "60",
                "cache.arguments.url": server.description,
                "cache.arguments.distributed_lock": "true",
            ],
            prefix: "cache."
        )
        let backend = try #require(try region.actualBackend as? MemcachedBackend)
        #expect(backend.configuration.distributedLock)
        let key = uniqueKey("by-name")
        #expect(try await region.getOrCreate(key) { 42 } == 42)
        #expect(try await backend.get(key) != nil, "stored in memcached")
        await backend.shutdown()
    }

    @Test(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"))
    func memcachedExpireTimeMakesTheServerDropValues() async throws {
        let port = try TestServers.first().port
        let backend = try TestServers.backend { $0.memcachedExpireTime = .seconds(3) }
        let key = uniqueKey("expiring")
        // Memcached counts lifetimes in whole seconds of a clock its own timer advances, which lags
        // and then jumps on a loaded machine. So the test reads the server's clock, never ours.
        let serverTime = { Int(try MemcachedServerProcess.stats(port: port)["time"] ?? "") ?? 0 }
        let before = try serverTime()
        try await backend.set(key, CachedValue(payload: [UInt8]([1]), creationTime: 1))
        if let remaining = try MemcachedServerProcess.remainingLifetime(of: key, port: port) {
            #expect((0...3).contains(remaining), "stored with the configured lifetime, not \(remaining)")
        } else {
            #expect(try serverTime() - before >= 3, "dropped before its lifetime passed on the server's clock")
        }
        // Wait on the server's clock (the suite's time limit bounds the wait) and read through the backend.
        while try MemcachedServerProcess.remainingLifetime(of: key, port: port) != nil {
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(try await backend.get(key) == nil)
        await backend.shutdown()
    }
}
