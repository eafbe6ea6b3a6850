import DogpileCache

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A lock on one key shared by every process using the same memcached servers, like dogpile.cache's
/// `distributed_lock`: taking it is an atomic `add` of a lock key, which only one caller can win.
///
/// The lock key's value names its holder: a token made for each acquisition (host, process and a
/// random number). Releasing removes the lock key only while it holds this token, so a creator that
/// outlives the lock timeout never releases a lock taken since by another. A release the server did
/// not answer is kept and retried until it is made (``MemcachedLockReleases``), and so is the release
/// of an `add` whose answer was lost, which may have taken the lock on the server.
///
/// Waiters retry after a jittered `Task.sleep` that doubles from 5 ms up to 200 ms, so they never hold
/// a thread, for at most the wait timeout; then ``acquire(wait:)`` returns `false` and the region
/// creates without the lock. The lock key expires after the lock timeout, so a process that dies
/// holding it cannot block the key for longer.
struct MemcachedLock: CacheMutex {
    /// The key the lock is stored under: `_lock` and the value's key, or, when that would exceed
    /// memcached's key length, `_lock#` and the SHA-1 of the value's key.
    let lockKey: String
    /// The lock key's value while this acquisition holds it.
    let token: [UInt8]
    private let pool: MemcachedWorkerPool
    private let releases: MemcachedLockReleases
    private let timeout: Duration?
    private let waitTimeout: Duration

    init(key: String, pool: MemcachedWorkerPool, releases: MemcachedLockReleases, timeout: Duration?, waitTimeout: Duration) {
        let plain = "_lock" + key
        lockKey = plain.utf8.count <= MemcachedKey.maxLength ? plain : "_lock#" + KeyMangler.sha1(key)
        token = Array("\(Self.holderName) \(UInt64.random(in: .min ... .max))".utf8)
        self.pool = pool
        self.releases = releases
        self.timeout = timeout
        self.waitTimeout = waitTimeout
    }

    /// Takes the lock. With `wait`, polls until the lock is taken or the wait timeout passes
    /// (`false`).
    ///
    /// - Throws: `backendUnavailable` when the server does not answer (the `add` may still have run
    ///   there: its release is kept and retried); `CancellationError`.
    func acquire(wait: Bool) async throws -> Bool {
        try MemcachedKey.validate(lockKey)
        let (key, token, expiration) = (lockKey, token, MemcachedConnection.expiration(timeout))
        let deadline = ContinuousClock.now + waitTimeout
        var delay = Duration.milliseconds(5)
        while true {
            let taken: Bool
            do {
                taken = try await pool.run("add") { try $0.add(key, token, expiration: expiration) }
            } catch let error as CacheError where error.code == .backendUnavailable {
                keepRelease()
                throw error
            }
            if taken || !wait {
                return taken
            }
            let now = ContinuousClock.now
            guard now < deadline else { return false }
            try await Task.sleep(for: min(delay * Double.random(in: 0.5...1), deadline - now))
            delay = min(delay * 2, .milliseconds(200))
        }
    }

    /// Removes the lock key if it still holds this acquisition's token.
    ///
    /// - Throws: `backendUnavailable` when the server does not answer; the release is then kept and
    ///   retried until the server answers or the lock expires.
    func release() async throws {
        let (key, token) = (lockKey, token)
        do {
            _ = try await pool.run("gets cas") { try $0.delete(key, ifHolding: token) }
        } catch {
            keepRelease()
            throw CacheError(.backendUnavailable, "the lock on \(key.debugDescription) was not released; it is retried until the server answers or the lock expires", cause: error)
        }
    }

    func isLocked() async throws -> Bool {
        try MemcachedKey.validate(lockKey)
        let key = lockKey
        return try await pool.run("exist") { try $0.exists(key) }
    }

    private func keepRelease() {
        releases.keep(.init(key: lockKey, token: token, expires: timeout.map { .now + $0 }))
    }

    /// This process, as lock tokens name it: host name and process id.
    private static let holderName: String = {
        var name = [CChar](repeating: 0, count: 256)
        let named = gethostname(&name, name.count - 1) == 0
        let host = named ? String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "unknown-host"
        return "\(host) \(getpid())"
    }()
}
