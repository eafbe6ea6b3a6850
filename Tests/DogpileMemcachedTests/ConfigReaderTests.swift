import Configuration
import DogpileCache
import DogpileConfiguration
import DogpileMemcached
import Foundation
import SystemPackage
import Testing

/// Regions and backends configured from a swift-configuration `ConfigReader`, one test per kind
/// of provider, reading the keys of configuration by name.
@Suite struct ConfigReaderTests {
    /// Writes `contents` to a new file and returns its path.
    private func file(_ contents: String, extension pathExtension: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dogpile-\(UUID()).\(pathExtension)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The memory backend a region was configured with.
    private func memoryBackend(of region: CacheRegion) throws -> MemoryBackend {
        try #require(try region.backend as? MemoryBackend)
    }

    @Test("in-memory provider: typed values")
    func inMemoryProvider() async throws {
        let reader = ConfigReader(provider: InMemoryProvider(values: [
            "cache.users.backend": "memory",
            "cache.users.expiration_time": 300,
            "cache.users.background_refresh": true,
            "cache.users.backend_errors": "propagate",
            "cache.users.arguments.max_entries": 1000,
            "cache.users.arguments.eviction_policy": "lru",
            "cache.users.arguments.name": "users",
        ]))
        let region = CacheRegion(name: "users")
        try await region.configure(from: reader, prefix: "cache.users")
        #expect(region.expirationTime == .seconds(300))
        let backend = try memoryBackend(of: region)
        #expect(backend.maxEntries == 1000)
        #expect(backend.evictionPolicy == .lru)
        #expect(backend.configuration.name == "users")
        #expect(try await region.getOrCreate("k") { 1 } == 1)
    }

    @Test("environment variables: every key upper-cased with underscores")
    func environmentVariables() async throws {
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
            "CACHE_PAGES_BACKEND": "memory",
            "CACHE_PAGES_EXPIRATION_TIME": "0.5",
            "CACHE_PAGES_ARGUMENTS_MAX_WEIGHT": "1000000",
            "CACHE_PAGES_ARGUMENTS_SHARD_COUNT": "3",
        ]))
        let region = CacheRegion(name: "pages")
        try await region.configure(from: reader, prefix: "cache.pages")
        #expect(region.expirationTime == .seconds(0.5))
        let backend = try memoryBackend(of: region)
        #expect(backend.configuration.maxWeight == 1_000_000)
        #expect(backend.configuration.shardCount == 3)
        #expect(backend.maxEntries == nil)
    }

    @Test("a JSON file: nested objects")
    func jsonFile() async throws {
        let path = try file(
            #"{"cache": {"users": {"backend": "memory", "expiration_time": 60, "arguments": {"max_entries": 500}}}}"#,
            extension: "json"
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = ConfigReader(provider: try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
        let region = CacheRegion(name: "users")
        try await region.configure(from: reader, prefix: "cache.users")
        #expect(region.expirationTime == .seconds(60))
        #expect(try memoryBackend(of: region).maxEntries == 500)
    }

    @Test("a YAML file")
    func yamlFile() async throws {
        let path = try file(
            """
            cache:
              users:
                backend: memory
                expiration_time: 2.5
                replace_existing_backend: true
                arguments:
                  max_entries: 200
                  eviction_policy: tiny_lfu
            """,
            extension: "yaml"
        )
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = ConfigReader(provider: try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
        let region = try CacheRegion(name: "users", backend: NullBackend())
        try await region.configure(from: reader, prefix: "cache.users")
        #expect(region.expirationTime == .seconds(2.5))
        #expect(try memoryBackend(of: region).maxEntries == 200)
    }

    @Test("bad values name their key, whatever the provider")
    func badValuesNameTheirKey() async throws {
        func error(_ values: [AbsoluteConfigKey: ConfigValue]) async -> CacheError? {
            await #expect(throws: CacheError.self) {
                try await CacheRegion().configure(from: ConfigReader(provider: InMemoryProvider(values: values)), prefix: "cache")
            }
        }
        let fraction = await error(["cache.backend": "memory", "cache.arguments.max_entries": 1.5])
        #expect(fraction?.code == .invalidConfiguration)
        #expect(fraction?.message.contains("'cache.arguments.max_entries'") == true)
        let text = await error(["cache.backend": "memory", "cache.expiration_time": "soon"])
        #expect(text?.message.contains("'cache.expiration_time'") == true)
        let flag = await error(["cache.backend": "memory", "cache.background_refresh": "sometimes"])
        #expect(flag?.message.contains("'cache.background_refresh'") == true)
        let policy = await error(["cache.backend": "memory", "cache.arguments.eviction_policy": "fifo"])
        #expect(policy?.message.contains("'cache.arguments.eviction_policy'") == true)
        let missing = await error(["cache.expiration_time": 1])
        #expect(missing?.message.contains("'cache.backend'") == true)

        let environment = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
            "CACHE_BACKEND": "memory", "CACHE_ARGUMENTS_MAX_ENTRIES": "lots",
        ]))
        let lots = await #expect(throws: CacheError.self) { try await CacheRegion().configure(from: environment, prefix: "cache") }
        #expect(lots?.message.contains("'cache.arguments.max_entries' must be a whole number, got 'lots'") == true)
    }

    @Test("memcached from environment variables, through the registry and in code",
          .enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"))
    func memcachedFromEnvironment() async throws {
        MemcachedBackend.registerBackend()
        let server = try TestServers.first()
        let reader = ConfigReader(provider: EnvironmentVariablesProvider(environmentVariables: [
            "CACHE_SESSIONS_BACKEND": "memcached",
            "CACHE_SESSIONS_EXPIRATION_TIME": "60",
            "CACHE_SESSIONS_ARGUMENTS_URL": "\(server.host):\(server.port)",
            "CACHE_SESSIONS_ARGUMENTS_DISTRIBUTED_LOCK": "true",
            "CACHE_SESSIONS_ARGUMENTS_POOL_SIZE": "2",
            "CACHE_SESSIONS_ARGUMENTS_LOCK_WAIT_TIMEOUT": "2.5",
        ]))
        let region = CacheRegion(name: "sessions")
        try await region.configure(from: reader, prefix: "cache.sessions")
        let backend = try #require(try region.backend as? MemcachedBackend)
        defer { Task { await backend.shutdown() } }
        #expect(backend.configuration.distributedLock)
        #expect(backend.configuration.poolSize == 2)
        #expect(backend.configuration.lockWaitTimeout == .milliseconds(2500))
        let key = uniqueKey("config-reader")
        #expect(try await region.getOrCreate(key) { "stored" } == "stored")
        #expect(try await region.get(key, as: String.self) == "stored")

        let inCode = try MemcachedBackend.Configuration(arguments: BackendArguments(reader, prefix: "cache.sessions.arguments"))
        #expect(inCode.servers == [server])
        #expect(inCode.distributedLock)
    }
}
