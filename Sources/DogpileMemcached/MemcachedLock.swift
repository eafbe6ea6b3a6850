import DogpileCache

/// A lock on one key shared by every process using the same memcached servers, like dogpile.cache's
/// `distributed_lock`: taking it is an atomic `add` of a lock key, which only one caller can win.
///
/// Waiters retry after a jittered `Task.sleep` that doubles from 5 ms up to 200 ms, so they never hold
/// a thread. The lock key expires after the configured lock timeout, so a process that dies holding it
/// cannot block the key for longer. Releasing deletes the lock key without checking who holds it, as
/// dogpile.cache does: a creator that outlives the timeout may release a lock taken since by another.
struct MemcachedLock: CacheMutex {
    /// The key the lock is stored under: `_lock` and the value's key, or, when that would exceed
    /// memcached's key length, `_lock#` and the SHA-1 of the value's key.
    let lockKey: String
    private let pool: MemcachedWorkerPool
    private let timeout: Duration?

    init(key: String, pool: MemcachedWorkerPool, timeout: Duration?) {
        let plain = "_lock" + key
        lockKey = plain.utf8.count <= MemcachedKey.maxLength ? plain : "_lock#" + KeyMangler.sha1(key)
        self.pool = pool
        self.timeout = timeout
    }

    func acquire(wait: Bool) async throws -> Bool {
        try MemcachedKey.validate(lockKey)
        let key = lockKey
        let timeout = timeout
        var delay = Duration.milliseconds(5)
        while true {
            let taken = try await pool.run { connection in
                try connection.add(key, Array("1".utf8), expiration: MemcachedConnection.expiration(timeout))
            }
            if taken || !wait {
                return taken
            }
            try await Task.sleep(for: delay * Double.random(in: 0.5...1))
            delay = min(delay * 2, .milliseconds(200))
        }
    }

    func release() async throws {
        let key = lockKey
        try await pool.run { try $0.delete(key) }
    }

    func isLocked() async throws -> Bool {
        try MemcachedKey.validate(lockKey)
        let key = lockKey
        return try await pool.run { try $0.exists(key) }
    }
}
