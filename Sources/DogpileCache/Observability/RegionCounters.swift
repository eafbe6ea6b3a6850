import CoreMetrics
import Synchronization

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
