import DogpileCache
import ServiceLifecycle

/// Regions as one ServiceLifecycle `Service`: when the `ServiceGroup` shuts down gracefully, each
/// region ends its background work (``DogpileCache/CacheRegion/shutdown()``): no more background or
/// eager refreshes start, and the service returns once the creations running have stored their
/// values.
///
/// A `ServiceGroup` shuts its services down last to first, each after the one behind it has
/// returned, so list the regions after their backends and before the server that uses them:
///
/// ```swift
/// let group = ServiceGroup(
///     services: [memcached, CacheRegionService(users, pages), app],
///     gracefulShutdownSignals: [.sigterm],
///     logger: logger
/// )
/// try await group.run()
/// ```
///
/// The server drains its requests first, then the regions finish their refreshes, then the
/// backend finishes the writes they made and closes its connections.
public struct CacheRegionService: Service {
    /// The regions shut down, in order.
    public let regions: [CacheRegion]

    /// A service for `regions`.
    public init(_ regions: CacheRegion...) {
        self.regions = regions
    }

    /// A service for `regions`.
    public init(regions: [CacheRegion]) {
        self.regions = regions
    }

    /// Waits for the group's graceful shutdown (or for cancellation), then shuts each region down.
    /// Cancelled while a region waits for its creations, it returns at once; they go on.
    public func run() async throws {
        // Thrown only when the task is cancelled: then too the regions stop their background work.
        try? await gracefulShutdown()
        for region in regions {
            await region.shutdown()
        }
    }
}
