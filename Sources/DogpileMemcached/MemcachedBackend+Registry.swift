import DogpileCache

extension MemcachedBackend {
    /// The argument names ``registerBackend(name:)`` reads, and what each sets.
    static let argumentNames: [String: String] = [
        "url": "servers, as \"host:port,host:port\" (required)",
        "binary": "binaryProtocol",
        "consistent_distribution": "consistentDistribution",
        "tcp_nodelay": "tcpNoDelay",
        "connect_timeout": "connectTimeout, seconds",
        "poll_timeout": "pollTimeout, seconds",
        "retry_timeout": "retryTimeout, seconds",
        "server_failure_limit": "serverFailureLimit",
        "eject_dead_servers": "ejectDeadServers",
        "memcached_expire_time": "memcachedExpireTime, seconds (0 for none)",
        "pool_size": "poolSize",
        "distributed_lock": "distributedLock",
        "lock_timeout": "lockTimeout, seconds (0 for a lock that never expires)",
        "lock_wait_timeout": "lockWaitTimeout, seconds",
        "key_mangler": "keyMangler: sha1",
    ]

    /// Registers the backend under `name` (default `memcached`) for configuration by name
    /// (`CacheRegion.configure(from:)` and `configure(fromConfig:prefix:)`), reading dogpile.cache's
    /// memcached arguments:
    ///
    /// ```
    /// cache.backend = memcached
    /// cache.arguments.url = 10.0.0.1:11211,10.0.0.2:11211
    /// cache.arguments.distributed_lock = true
    /// cache.arguments.lock_timeout = 30
    /// cache.arguments.memcached_expire_time = 3600
    /// ```
    ///
    /// Also `binary`, `consistent_distribution`, `tcp_nodelay`, `connect_timeout`, `poll_timeout`,
    /// `retry_timeout`, `lock_wait_timeout` (seconds), `server_failure_limit`, `eject_dead_servers`,
    /// `pool_size` and `key_mangler` (`sha1`). A value of the wrong kind, or an unknown argument in a flat
    /// configuration, throws `invalidConfiguration` naming its configuration key.
    public static func registerBackend(name: String = "memcached") {
        DogpileCache.registerBackend(name: name) { arguments in
            try MemcachedBackend(configuration: Configuration(arguments: arguments))
        }
    }

}

extension MemcachedBackend.Configuration {
    /// The configuration `arguments` describe, read by the names of ``MemcachedBackend/registerBackend(name:)``.
    ///
    /// - Throws: `invalidConfiguration` naming the argument whose value cannot be used.
    public init(arguments: BackendArguments) throws {
        let argumentNames = MemcachedBackend.argumentNames
        if let unknown = arguments.names?.sorted().first(where: { argumentNames[$0] == nil }) {
            throw CacheError(
                .invalidConfiguration,
                "'\(arguments.key(unknown))' is not a memcached argument; known: \(argumentNames.keys.sorted().joined(separator: ", "))"
            )
        }
        guard let url = try arguments.string("url") else {
            throw CacheError(.invalidConfiguration, "'\(arguments.key("url"))' is required: the memcached servers, as \"host:port,host:port\"")
        }
        var configuration: Self
        do {
            configuration = try Self(url: url)
        } catch let error as CacheError {
            throw CacheError(.invalidConfiguration, "'\(arguments.key("url"))': \(error.message)")
        }
        func seconds(_ name: String) throws -> Duration? {
            guard let value = try arguments.decimal(name) else { return nil }
            guard value >= 0, value <= 1e9 else {
                throw arguments.invalid(name, value, "a number of seconds from 0 to 1e9")
            }
            return .milliseconds(Int64((value * 1000).rounded()))
        }
        configuration.binaryProtocol = try arguments.boolean("binary") ?? configuration.binaryProtocol
        configuration.consistentDistribution = try arguments.boolean("consistent_distribution") ?? configuration.consistentDistribution
        configuration.tcpNoDelay = try arguments.boolean("tcp_nodelay") ?? configuration.tcpNoDelay
        configuration.connectTimeout = try seconds("connect_timeout") ?? configuration.connectTimeout
        configuration.pollTimeout = try seconds("poll_timeout") ?? configuration.pollTimeout
        configuration.retryTimeout = try seconds("retry_timeout") ?? configuration.retryTimeout
        configuration.serverFailureLimit = try arguments.integer("server_failure_limit") ?? configuration.serverFailureLimit
        configuration.ejectDeadServers = try arguments.boolean("eject_dead_servers") ?? configuration.ejectDeadServers
        configuration.poolSize = try arguments.integer("pool_size") ?? configuration.poolSize
        configuration.distributedLock = try arguments.boolean("distributed_lock") ?? configuration.distributedLock
        if let expireTime = try seconds("memcached_expire_time") {
            configuration.memcachedExpireTime = expireTime == .zero ? nil : expireTime
        }
        if let lockTimeout = try seconds("lock_timeout") {
            configuration.lockTimeout = lockTimeout == .zero ? nil : lockTimeout
        }
        configuration.lockWaitTimeout = try seconds("lock_wait_timeout") ?? configuration.lockWaitTimeout
        switch try arguments.string("key_mangler") {
        case nil: break
        case "sha1": configuration.keyMangler = .sha1
        case let other?: throw arguments.invalid("key_mangler", other, "sha1")
        }
        do {
            try configuration.validate()
        } catch let error as CacheError {
            throw CacheError(.invalidConfiguration, "\(arguments.key("*")): \(error.message)")
        }
        self = configuration
    }
}
