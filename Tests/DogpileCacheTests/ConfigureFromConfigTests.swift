import DogpileCache
import DogpileCacheTesting
import Testing

/// A backend that remembers the arguments it was made with.
struct ArgumentsBackend: ProxyBackend {
    var proxied: any AsyncCacheBackend = MemoryBackend()
    let arguments: BackendArguments
}

@Suite struct ConfigureFromConfigTests {
    init() {
        registerBackend(name: "test.arguments") { arguments in ArgumentsBackend(arguments: arguments) }
    }

    @Test func coercionFollowsDogpile() {
        let cases: [(String, CacheConfigValue)] = [
            ("42", .integer(42)), ("  42 ", .integer(42)), ("-7", .integer(-7)), ("+3", .integer(3)),
            ("1.5", .decimal(1.5)), (".5", .decimal(0.5)), ("5.", .decimal(5)), ("2e3", .decimal(2000)),
            ("-1.5E-2", .decimal(-0.015)), ("true", .boolean(true)), ("TRUE", .boolean(true)),
            ("False", .boolean(false)), ("None", .null), ("none", .string("none")), ("1.2.3", .string("1.2.3")),
            ("one hour", .string("one hour")), ("127.0.0.1, 10.0.0.1", .string("127.0.0.1, 10.0.0.1")), ("", .string("")),
        ]
        for (text, expected) in cases {
            #expect(CacheConfigValue(coercing: text) == expected, "coercing '\(text)'")
        }
    }

    @Test func dogpileStyleDictionaryWithTwoRegions() async throws {
        let config = [
            "cache.local.backend": "memory",
            "cache.local.expiration_time": "300",
            "cache.local.arguments.max_entries": "1000",
            "cache.local.arguments.eviction_policy": "lru",
            "cache.local.arguments.max_weight": "1000000",
            "cache.local.arguments.shard_count": "3",
            "cache.remote.backend": "test.arguments",
            "cache.remote.expiration_time": "0.5",
            "cache.remote.arguments.url": "127.0.0.1:11211, 10.0.0.1:11211",
            "cache.remote.arguments.binary": "True",
            "cache.remote.arguments.lock_timeout": "None",
            "unrelated.key": "ignored",
        ]
        let before = config
        let local = CacheRegion(name: "local")
        try await local.configure(fromConfig: config, prefix: "cache.local.")
        #expect(local.expirationTime == .seconds(300))
        #expect((try local.backend as? MemoryBackend)?.maxEntries == 1000)
        #expect((try local.backend as? MemoryBackend)?.evictionPolicy == .lru)
        #expect((try local.backend as? MemoryBackend)?.configuration.maxWeight == 1_000_000)
        #expect((try local.backend as? MemoryBackend)?.configuration.shardCount == 3)

        let remote = CacheRegion(name: "remote")
        try await remote.configure(fromConfig: config, prefix: "cache.remote.")
        #expect(remote.expirationTime == .seconds(0.5))
        let arguments = try #require(try remote.backend as? ArgumentsBackend).arguments
        #expect(try arguments.string("url") == "127.0.0.1:11211, 10.0.0.1:11211")
        #expect(try arguments.string("binary") == "True")
        #expect(try arguments.boolean("binary") == true)
        #expect(try arguments.integer("lock_timeout") == nil)
        #expect(arguments.names?.count == 3)
        #expect(config == before)
        #expect(try await remote.getOrCreate("k") { 1 } == 1)
    }

    @Test func textArgumentsReachFactoriesAsWritten() throws {
        let arguments = BackendArguments(texts: ["password": " 0123 ", "pattern": "1e3", "flag": "true", "nothing": "None"])
        #expect(try arguments.string("password") == "0123")
        #expect(try arguments.string("pattern") == "1e3")
        #expect(try arguments.string("flag") == "true")
        #expect(try arguments.string("nothing") == nil)
        #expect(try arguments.integer("password") == 123)
    }

    @Test func noExpirationAndNullBackend() async throws {
        let region = CacheRegion()
        try await region.configure(fromConfig: ["c.backend": "null", "c.expiration_time": "None"], prefix: "c.")
        #expect(region.expirationTime == .never)
        #expect(try region.backend is NullBackend)
    }

    @Test func replaceExistingBackendFromConfig() async throws {
        let region = try CacheRegion(backend: NullBackend())
        await #expect(throws: CacheError(.regionAlreadyConfigured, "")) {
            try await region.configure(fromConfig: ["c.backend": "memory"], prefix: "c.")
        }
        try await region.configure(fromConfig: ["c.backend": "memory", "c.replace_existing_backend": "true"], prefix: "c.")
        #expect(try region.backend is MemoryBackend)
    }

    @Test func errorsNameTheKey() async throws {
        func message(_ config: [String: String]) async -> CacheError? {
            await #expect(throws: CacheError.self) {
                try await CacheRegion().configure(fromConfig: config, prefix: "cache.")
            }
        }
        let expiration = await message(["cache.backend": "memory", "cache.expiration_time": "one hour"])
        #expect(expiration?.code == .invalidConfiguration)
        #expect(expiration?.message.contains("'cache.expiration_time'") == true)
        let negative = await message(["cache.backend": "memory", "cache.expiration_time": "-5"])
        #expect(negative?.message.contains("'cache.expiration_time'") == true)
        let argument = await message(["cache.backend": "memory", "cache.arguments.max_entries": "lots"])
        #expect(argument?.message.contains("'cache.arguments.max_entries'") == true)
        let missing = await message(["cache.expiration_time": "1"])
        #expect(missing?.message.contains("'cache.backend'") == true)
        let unknown = await message(["cache.backend": "dogpile.cache.dbm"])
        #expect(unknown?.code == .backendNotFound)
        #expect(unknown?.message.contains("'dogpile.cache.dbm'") == true)
        let policy = await message(["cache.backend": "memory", "cache.arguments.eviction_policy": "fifo"])
        #expect(policy?.message.contains("'cache.arguments.eviction_policy'") == true)
        let zero = await message(["cache.backend": "memory", "cache.arguments.max_entries": "0"])
        #expect(zero?.message.contains("'cache.arguments.max_entries'") == true)
        let weight = await message(["cache.backend": "memory", "cache.arguments.max_weight": "-1"])
        #expect(weight?.message.contains("'cache.arguments.max_weight'") == true)
        let shards = await message(["cache.backend": "memory", "cache.arguments.shard_count": "0"])
        #expect(shards?.message.contains("'cache.arguments.shard_count'") == true)
        let replace = await message(["cache.backend": "memory", "cache.replace_existing_backend": "maybe"])
        #expect(replace?.message.contains("'cache.replace_existing_backend'") == true)
    }
}
