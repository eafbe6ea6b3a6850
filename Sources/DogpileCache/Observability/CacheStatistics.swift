import CoreMetrics
import Synchronization

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

/// The live counters behind ``CacheStatistics``, updated without locks, and the metrics they
/// report to; hits are counted by the region's ``ConfigurationSlot``.
final class RegionCounters: Sendable {
    /// The swift-metrics of the region.
    let metrics: RegionMetrics
    let misses: ReportedCount
    let creations = Atomic<Int>(0)
    let staleServed: ReportedCount
    let coalescedWaiters: ReportedCount
    let backendErrors = Atomic<Int>(0)
    let failSafeServed: ReportedCount
    let eagerRefreshes = Atomic<Int>(0)
    let timeouts = Atomic<Int>(0)
    let mismatchedRecords = Atomic<Int>(0)
    let lockWaitsTimedOut = Atomic<Int>(0)

    init(metrics: RegionMetrics) {
        self.metrics = metrics
        misses = ReportedCount(reportingTo: metrics.misses)
        staleServed = ReportedCount(reportingTo: metrics.staleServed)
        coalescedWaiters = ReportedCount(reportingTo: metrics.coalescedWaiters)
        failSafeServed = ReportedCount(reportingTo: metrics.staleServed)
    }

    /// Counts a failed backend `operation`.
    func countBackendError(_ operation: BackendOperation) {
        backendErrors.increment()
        metrics.backendErrors(operation).increment()
    }

    /// The counters, with `hits` as counted elsewhere.
    func snapshot(hits: Int) -> CacheStatistics {
        var statistics = CacheStatistics()
        statistics.hits = hits
        statistics.misses = misses.value
        statistics.creations = creations.load(ordering: .relaxed)
        statistics.staleServed = staleServed.value
        statistics.coalescedWaiters = coalescedWaiters.value
        statistics.backendErrors = backendErrors.load(ordering: .relaxed)
        statistics.failSafeServed = failSafeServed.value
        statistics.eagerRefreshes = eagerRefreshes.load(ordering: .relaxed)
        statistics.timeouts = timeouts.load(ordering: .relaxed)
        statistics.mismatchedRecords = mismatchedRecords.load(ordering: .relaxed)
        statistics.lockWaitsTimedOut = lockWaitsTimedOut.load(ordering: .relaxed)
        return statistics
    }
}

/// A count kept for ``CacheStatistics`` and reported, each time it grows, to a swift-metrics counter.
struct ReportedCount: ~Copyable, Sendable {
    private let count = Atomic<Int>(0)
    private let metric: Counter

    init(reportingTo metric: Counter) {
        self.metric = metric
    }

    /// Adds one to the count and to the metric.
    func increment() {
        count.increment()
        metric.increment()
    }

    /// The count so far.
    var value: Int {
        count.load(ordering: .relaxed)
    }
}

extension Atomic where Value == Int {
    /// Adds `amount` with relaxed ordering: counters need no ordering with other memory.
    func increment(by amount: Int = 1) {
        wrappingAdd(amount, ordering: .relaxed)
    }
}
