import DogpileCache
import Logging

/// A backend that keeps values in memcached, through libmemcached, shared by every process that
/// uses the same servers.
///
/// Every libmemcached call runs on the backend's own worker threads (``Configuration/poolSize`` of
/// them, one connection each), never on Swift's cooperative pool: a caller suspends until a worker has
/// its answer, and reads that arrive together go out as one multi-get. Keys are checked before
/// anything is sent: empty keys, keys over 250 bytes and keys with spaces or control characters are
/// rejected with `invalidKey` unless a key mangler such as `KeyMangler.sha1` turns them into keys
/// memcached can hold.
///
/// ```swift
/// let backend = try MemcachedBackend(configuration: .init(url: "10.0.0.1:11211,10.0.0.2:11211"))
/// let region = try CacheRegion(backend: backend, expirationTime: .seconds(300))
/// // …
/// await backend.shutdown()
/// ```
///
/// The backend stores bytes: the region encodes values with its serializer. Call ``shutdown()``
/// before dropping the last reference to finish queued calls and wait for the threads to exit;
/// without it, the threads still exit once the backend is released.
public final class MemcachedBackend: AsyncCacheBackend {
    /// The settings the backend was created with.
    public let configuration: Configuration
    let pool: MemcachedWorkerPool
    /// Lock releases the servers did not answer, being retried.
    let lockReleases: MemcachedLockReleases
    private let openConnections: LockedValue<Int>

    /// Creates a backend and starts its worker threads. No connection is opened until the first call.
    ///
    /// - Parameters:
    ///   - configuration: The servers and how to reach them.
    ///   - logger: Where the backend says that a server stopped answering and is skipped (warning)
    ///     and that it answers again (notice). Default: label `dogpile.cache.memcached`.
    /// - Throws: `invalidConfiguration` for settings out of range; `backendUnavailable` when
    ///   libmemcached or the threads cannot be set up.
    public init(configuration: Configuration, logger: Logger = Logger(label: "dogpile.cache.memcached")) throws {
        try configuration.validate()
        let openConnections = LockedValue(0)
        let health = MemcachedServerHealth(failureLimit: configuration.serverFailureLimit, retryTimeout: configuration.retryTimeout)
        let connections = try (0..<configuration.poolSize).map { _ in
            try MemcachedConnection(configuration: configuration, health: health, openConnections: openConnections, logger: logger)
        }
        self.pool = try MemcachedWorkerPool(connections: connections)
        self.lockReleases = MemcachedLockReleases(pool: pool)
        self.configuration = configuration
        self.openConnections = openConnections
    }

    deinit {
        lockReleases.close()
        pool.close()
    }

    /// Creates a backend for servers written as `"host:port,host:port"`, every other setting at its
    /// default.
    public convenience init(url: String) throws {
        try self.init(configuration: Configuration(url: url))
    }

    /// `true`: the region stores value records.
    public var storesBytes: Bool { true }

    /// The configured ``Configuration/keyMangler``.
    public var keyMangler: KeyMangler? { configuration.keyMangler }

    /// The value stored under `key`, or `nil`.
    ///
    /// - Throws: `invalidKey` for a key memcached cannot hold; `backendUnavailable` when the key's
    ///   server does not answer in time.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        try MemcachedKey.validate(key)
        switch try await pool.fetch([key])[0] {
        case .found(let bytes): return Self.cachedValue(bytes)
        case .missing: return nil
        case .failed(let error): throw error
        }
    }

    /// The values stored under `keys`, in order, read in one round trip to each server involved.
    /// Keys on a server that fails to answer read as `nil` while the other servers answer.
    ///
    /// - Throws: `invalidKey` for any key memcached cannot hold (before anything is sent);
    ///   `backendUnavailable` when no server answers.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        guard !keys.isEmpty else { return [] }
        for key in keys {
            try MemcachedKey.validate(key)
        }
        let fetched = try await pool.fetch(keys)
        var values: [CachedValue?] = []
        values.reserveCapacity(keys.count)
        var failure: CacheError?
        var answered = false
        for outcome in fetched {
            switch outcome {
            case .found(let bytes):
                answered = true
                values.append(Self.cachedValue(bytes))
            case .missing:
                answered = true
                values.append(nil)
            case .failed(let error):
                failure = error
                values.append(nil)
            }
        }
        if let failure, !answered {
            throw failure
        }
        return values
    }

    /// Stores the value record `value` carries under `key`.
    ///
    /// - Throws: `invalidKey`; `serializationFailed` when the payload is not bytes; `valueTooLarge`
    ///   when the server's item size is smaller than the value; `backendUnavailable`.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try MemcachedKey.validate(key)
        let bytes = try Self.bytes(of: value)
        try await pool.run("set") { try $0.set(key, bytes) }
    }

    /// Stores every entry, in order, on one connection.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        guard !entries.isEmpty else { return }
        let encoded = try entries.map { entry in
            try MemcachedKey.validate(entry.key)
            return (key: entry.key, bytes: try Self.bytes(of: entry.value))
        }
        try await pool.run("set", keyCount: encoded.count) { connection in
            for entry in encoded {
                try connection.set(entry.key, entry.bytes)
            }
        }
    }

    /// Removes `key`; a missing key is not an error.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        try MemcachedKey.validate(key)
        try await pool.run("delete") { try $0.delete(key) }
    }

    /// Removes every key in `keys`, in order, on one connection.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        for key in keys {
            try MemcachedKey.validate(key)
        }
        try await pool.run("delete", keyCount: keys.count) { connection in
            for key in keys {
                try connection.delete(key)
            }
        }
    }

    /// With ``Configuration/distributedLock``, a lock on `key` shared through the servers by every
    /// process; otherwise `nil`.
    public func mutex(for key: String) -> (any CacheMutex)? {
        guard configuration.distributedLock else { return nil }
        return MemcachedLock(
            key: key, pool: pool, releases: lockReleases, timeout: configuration.lockTimeout, waitTimeout: configuration.lockWaitTimeout
        )
    }

    /// The server that calls for `key` go to, as `host:port`: where consistent hashing puts it, or,
    /// with ``Configuration/ejectDeadServers``, the server standing in while that one is skipped.
    ///
    /// - Throws: `invalidKey`; `backendUnavailable` after ``shutdown()``.
    public func server(forKey key: String) async throws -> String {
        try MemcachedKey.validate(key)
        return try await pool.run(nil) { $0.server(forKey: key) }
    }

    /// Finishes the calls already made (and tries once more the lock releases being retried), frees
    /// every connection and lets every worker thread exit; returns when they have. Later calls throw
    /// `backendUnavailable`.
    public func shutdown() async {
        await lockReleases.shutdown()
        await pool.shutdown()
    }

    /// Requests waiting for a worker now, and requests ever accepted (for tests).
    var requestCounts: (queued: Int, accepted: Int) { pool.requestCounts }
    /// Worker threads not yet exited (for tests).
    var liveWorkerCount: Int { pool.liveWorkerCount }
    /// libmemcached handles not yet freed (for tests).
    var openConnectionCount: Int { openConnections.withLock { $0 } }

    private static func cachedValue(_ bytes: [UInt8]) -> CachedValue {
        CachedValue(payload: bytes, creationTime: ValueRecord.headerCreationTime(bytes) ?? 0)
    }

    private static func bytes(of value: CachedValue) throws -> [UInt8] {
        guard let bytes = value.payload as? [UInt8] else {
            throw CacheError(.serializationFailed, "MemcachedBackend stores bytes, got a \(type(of: value.payload))")
        }
        return bytes
    }
}
