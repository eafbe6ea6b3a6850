/// A lock a backend offers for one key, shared by every process using that backend.
///
/// When a backend returns a mutex from ``AsyncCacheBackend/mutex(for:)``, a region takes it before
/// running a creator, so that one creator runs across all processes, not only within one. Waiting
/// must suspend (for example with `Task.sleep`), never block a thread.
public protocol CacheMutex: Sendable {
    /// Takes the lock. With `wait: false` it returns `false` at once when another holder has it;
    /// with `wait: true` it returns `true` when the lock is taken, or `false` when it gave up waiting
    /// (a mutex should bound its wait, so that a holder that stalls cannot stall every other
    /// process): the region then creates without the lock, and counts it in
    /// ``CacheStatistics/lockWaitsTimedOut``.
    func acquire(wait: Bool) async throws -> Bool
    /// Releases the lock taken by ``acquire(wait:)``, only if this holder still has it. A release
    /// that fails should be retried by the mutex itself: the region logs the error and goes on.
    func release() async throws
    /// Whether some holder has the lock now.
    func isLocked() async throws -> Bool
}
