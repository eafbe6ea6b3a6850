import CoreMetrics

/// The swift-metrics a region reports to, made once when the region is created (never per call or
/// per key), each with the dimension `region` = the region's name:
///
/// | metric | kind | other dimensions |
/// |---|---|---|
/// | `cache.requests` | counter | `result`: `hit`, `miss` or `stale` |
/// | `cache.creations` | counter | `outcome`: `success` or `failure` |
/// | `cache.creation.duration` | timer | |
/// | `cache.coalesced_waiters` | counter | |
/// | `cache.backend.errors` | counter | `operation`: a ``BackendOperation`` |
///
/// Hits reach `cache.requests` in batches, through the region's ``ConfigurationSlot``.
final class RegionMetrics: Sendable {
    let hits: Counter
    let misses: Counter
    /// Stale values served while another caller regenerates them, and fail-safe values.
    let staleServed: Counter
    let creationSuccesses: Counter
    let creationFailures: Counter
    let creationDuration: CoreMetrics.Timer
    let coalescedWaiters: Counter
    /// By ``BackendOperation/rawValue``.
    private let backendErrors: [Counter]

    init(region: String, factory: any MetricsFactory) {
        let dimensions = [("region", region)]
        func counter(_ label: String, _ extra: (String, String)...) -> Counter {
            Counter(label: label, dimensions: dimensions + extra, factory: factory)
        }
        hits = counter("cache.requests", ("result", "hit"))
        misses = counter("cache.requests", ("result", "miss"))
        staleServed = counter("cache.requests", ("result", "stale"))
        creationSuccesses = counter("cache.creations", ("outcome", "success"))
        creationFailures = counter("cache.creations", ("outcome", "failure"))
        creationDuration = CoreMetrics.Timer(label: "cache.creation.duration", dimensions: dimensions, factory: factory)
        coalescedWaiters = counter("cache.coalesced_waiters")
        backendErrors = BackendOperation.allCases.map { counter("cache.backend.errors", ("operation", $0.metricName)) }
    }

    /// The counter of failed `operation`s.
    func backendErrors(_ operation: BackendOperation) -> Counter {
        backendErrors[operation.rawValue]
    }
}

/// A backend operation a region calls, as its failures are logged and counted.
enum BackendOperation: Int, CaseIterable, Sendable, CustomStringConvertible {
    case get, getMulti, set, setMulti, delete, deleteMulti, mutexAcquire, mutexRelease

    /// The name in log lines: `get`, `getMulti`, …, `mutex acquire`.
    var description: String {
        switch self {
        case .get: "get"
        case .getMulti: "getMulti"
        case .set: "set"
        case .setMulti: "setMulti"
        case .delete: "delete"
        case .deleteMulti: "deleteMulti"
        case .mutexAcquire: "mutex acquire"
        case .mutexRelease: "mutex release"
        }
    }

    /// The value of the `operation` dimension: `get`, `get_multi`, …, `mutex_release`.
    var metricName: String {
        switch self {
        case .get: "get"
        case .getMulti: "get_multi"
        case .set: "set"
        case .setMulti: "set_multi"
        case .delete: "delete"
        case .deleteMulti: "delete_multi"
        case .mutexAcquire: "mutex_acquire"
        case .mutexRelease: "mutex_release"
        }
    }
}
