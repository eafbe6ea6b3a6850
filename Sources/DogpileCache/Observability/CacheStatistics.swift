/// What a region has done since it was created, read with ``CacheRegion/statistics``.
public struct CacheStatistics: Sendable, Hashable, CustomStringConvertible {
    /// Reads that found a fresh value.
    public var hits = 0
    /// Reads that found no usable value: missing, hard-invalidated, of another format version or type,
    /// or (for `get`) stale; and `getOrCreate` callers that waited for a creation, including the
    /// caller that regenerates a stale value. Each `getOrCreate` caller of a key is counted once, in
    /// ``hits``, ``misses``, ``staleServed`` or ``failSafeServed``.
    public var misses = 0
    /// Value records found under a key that were written under another key or stored as another
    /// type (see <doc:ValueRecords>): someone else's values, read as misses.
    public var mismatchedRecords = 0
    /// Creations that went ahead without the backend's cross-process lock (``AsyncCacheBackend/mutex(for:)``)
    /// because another process held it longer than the lock's wait timeout.
    public var lockWaitsTimedOut = 0
    /// Creator calls (a multi-key creator call counts once).
    public var creations = 0
    /// Callers given a stale value while another caller or a background task regenerated it.
    public var staleServed = 0
    /// Callers that waited for a creation another caller had started, instead of creating (counted
    /// in ``misses`` too).
    public var coalescedWaiters = 0
    /// Backend operations that failed.
    public var backendErrors = 0
    /// Callers given a stale value because its creation failed (``CreationPolicy/failSafeMaxStaleness``),
    /// or while the fail-safe throttle holds after such a failure.
    public var failSafeServed = 0
    /// Regenerations started early by a hit on a fresh value (``CreationPolicy/eagerRefresh``).
    public var eagerRefreshes = 0
    /// Callers that stopped waiting for a creation at a ``CreationPolicy/softTimeout`` or
    /// ``CreationPolicy/hardTimeout``.
    public var timeouts = 0

    /// Creates statistics with every counter at zero.
    public init() {}

    /// All counters on one line.
    public var description: String {
        "hits=\(hits) misses=\(misses) creations=\(creations) staleServed=\(staleServed) "
            + "coalescedWaiters=\(coalescedWaiters) backendErrors=\(backendErrors) failSafeServed=\(failSafeServed) eagerRefreshes=\(eagerRefreshes) timeouts=\(timeouts) mismatchedRecords=\(mismatchedRecords) lockWaitsTimedOut=\(lockWaitsTimedOut)"
    }
}
