import DogpileCache

extension MemcachedBackend {
    /// How a ``MemcachedBackend`` reaches its servers and behaves when they fail.
    ///
    /// Only ``servers`` is required. Timeouts bound how long a call can wait on a slow or frozen
    /// server; once a server fails ``serverFailureLimit`` times in a row it is left alone for
    /// ``retryTimeout`` and its keys fail fast (or, with ``ejectDeadServers``, move to the other
    /// servers) until it is tried again.
    public struct Configuration: Sendable {
        /// The servers, at least one. Several servers split the keys between them.
        public var servers: [Server]
        /// Whether to speak memcached's binary protocol rather than the text protocol. Default `false`.
        public var binaryProtocol: Bool = false
        /// Whether keys are spread with consistent hashing (ketama, weighted when servers have
        /// weights), so adding or losing a server moves only its own keys. Used with more than one
        /// server. Default `true`.
        public var consistentDistribution: Bool = true
        /// Whether to send small requests at once (`TCP_NODELAY`). Default `true`.
        public var tcpNoDelay: Bool = true
        /// How long to wait for a connection to a server. Default 1 second.
        public var connectTimeout: Duration = .seconds(1)
        /// How long to wait for a server to answer before the call fails. Default 1 second.
        public var pollTimeout: Duration = .seconds(1)
        /// How long a server that failed ``serverFailureLimit`` times is left alone before it is
        /// tried again. Whole seconds, at least 1. Default 2 seconds.
        public var retryTimeout: Duration = .seconds(2)
        /// How many failures in a row mark a server as failed. Default 2.
        public var serverFailureLimit: Int = 2
        /// Whether a skipped server's keys go to another server while it is away, rather than failing
        /// at once. Each key goes to the same substitute in every process that sees the same failures.
        /// When the server returns its keys go back to it, and what was written to the substitute
        /// meanwhile is no longer read. Default `false`: its keys miss until it returns.
        public var ejectDeadServers: Bool = false
        /// The server-side lifetime of stored values, or `nil` (the default) for none. Memcached
        /// drops values after this time, so it must exceed the region's expiration time plus the
        /// time a creator takes; otherwise stale values vanish and callers wait for regeneration
        /// instead of being served the stale value. Whole seconds.
        public var memcachedExpireTime: Duration? = nil
        /// How many connections (each with a thread of its own) the backend opens. Default 4.
        public var poolSize: Int = 4
        /// Whether the backend offers a lock shared by every process using these servers, so that
        /// one creator runs across processes, not only within one. Default `false`.
        public var distributedLock: Bool = false
        /// How long a distributed lock is held at most, so a process that dies holding it cannot
        /// block the key forever; `nil` for a lock that never expires. Whole seconds. Default 30 seconds.
        public var lockTimeout: Duration? = .seconds(30)
        /// How long a caller waits for a distributed lock another process holds before it creates the
        /// value without the lock (the region counts it in `CacheStatistics.lockWaitsTimedOut` and
        /// logs it). A caller holding a stale value never waits: it serves that value. Bounds how long
        /// a lock left by a stalled or dead holder can stall other processes. Default 5 seconds.
        public var lockWaitTimeout: Duration = .seconds(5)
        /// The key mangler a region uses with this backend when it has none of its own, or `nil` (the
        /// default): keys memcached cannot hold are then rejected with `invalidKey`. Use
        /// `KeyMangler.sha1` to accept any key.
        public var keyMangler: KeyMangler? = nil

        /// A configuration for `servers`, every other setting at its default.
        public init(servers: [Server]) {
            self.servers = servers
        }

        /// A configuration for servers written as dogpile.cache's `url`: `"host:port,host:port"`,
        /// each optionally with a weight (`"host:port:weight"`).
        ///
        /// - Throws: `invalidConfiguration` naming the part that is not a server address.
        public init(url: String) throws {
            self.servers = try Server.list(url)
        }

        /// Checks the settings, throwing `invalidConfiguration` naming the first one out of range.
        func validate() throws {
            guard !servers.isEmpty else {
                throw CacheError(.invalidConfiguration, "MemcachedBackend needs at least one server")
            }
            guard poolSize >= 1 else {
                throw CacheError(.invalidConfiguration, "poolSize must be at least 1, got \(poolSize)")
            }
            guard serverFailureLimit >= 1 else {
                throw CacheError(.invalidConfiguration, "serverFailureLimit must be at least 1, got \(serverFailureLimit)")
            }
            for (name, duration) in [("connectTimeout", connectTimeout), ("pollTimeout", pollTimeout), ("lockWaitTimeout", lockWaitTimeout)] {
                guard duration > .zero, duration <= .seconds(3600) else {
                    throw CacheError(.invalidConfiguration, "\(name) must be positive and at most an hour, got \(duration)")
                }
            }
            guard retryTimeout >= .seconds(1), retryTimeout <= .seconds(86_400) else {
                throw CacheError(.invalidConfiguration, "retryTimeout must be between 1 second and a day, got \(retryTimeout)")
            }
            for (name, duration) in [("memcachedExpireTime", memcachedExpireTime), ("lockTimeout", lockTimeout)] {
                if let duration, duration < .seconds(1) || duration > .seconds(10 * 365 * 86_400) {
                    throw CacheError(.invalidConfiguration, "\(name) must be between 1 second and 10 years, or nil, got \(duration)")
                }
            }
        }
    }

    /// One memcached server.
    public struct Server: Sendable, Hashable, CustomStringConvertible {
        /// The host name or IP address.
        public var host: String
        /// The TCP port. Default 11211.
        public var port: Int
        /// The server's share of keys relative to the others, when distribution is consistent.
        /// Default 1.
        public var weight: Int

        /// A server at `host:port` with a `weight`.
        public init(host: String, port: Int = 11211, weight: Int = 1) {
            self.host = host
            self.port = port
            self.weight = weight
        }

        /// `host:port`, or `host:port:weight` when the weight is not 1.
        public var description: String {
            weight == 1 ? "\(host):\(port)" : "\(host):\(port):\(weight)"
        }

        /// Parses `"host:port,host:port:weight"`; a missing port is 11211.
        static func list(_ url: String) throws -> [Server] {
            let parts = url.split(separator: ",").map { $0.trimmingWhitespace() }
            guard !parts.isEmpty, !parts.contains(where: \.isEmpty) else {
                throw CacheError(.invalidConfiguration, "'\(url)' is not a list of memcached servers (\"host:port,host:port\")")
            }
            return try parts.map { try Server(parsing: $0) }
        }

        private init(parsing text: Substring) throws {
            let fields = text.split(separator: ":", omittingEmptySubsequences: false)
            func failure() -> CacheError {
                CacheError(.invalidConfiguration, "'\(text)' is not a memcached server (\"host\", \"host:port\" or \"host:port:weight\")")
            }
            guard (1...3).contains(fields.count), let host = fields.first, !host.isEmpty else { throw failure() }
            var port = 11211
            var weight = 1
            if fields.count > 1 {
                guard let parsed = Int(fields[1]), (1...65535).contains(parsed) else { throw failure() }
                port = parsed
            }
            if fields.count > 2 {
                guard let parsed = Int(fields[2]), parsed >= 1 else { throw failure() }
                weight = parsed
            }
            self.init(host: String(host), port: port, weight: weight)
        }
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
