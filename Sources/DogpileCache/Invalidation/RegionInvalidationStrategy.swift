/// How an invalidation affects a value.
public enum ValueInvalidation: Sendable, Hashable {
    /// The value is not invalidated.
    case none
    /// The value is older than a soft invalidation: it is treated as stale.
    case soft
    /// The value is older than a hard invalidation: it is treated as missing.
    case hard
}

/// Decides which values a region's ``CacheRegion/invalidate(hard:)`` made stale or missing.
///
/// The default, ``DefaultInvalidationStrategy``, remembers the latest invalidation in this process.
/// Replace it to share invalidation across processes, for example by keeping the timestamp in a shared
/// store and refreshing a local copy of it: ``invalidation(ofValueCreatedAt:)`` runs on every read, so it
/// must be cheap and must not block.
public protocol RegionInvalidationStrategy: Sendable {
    /// Records an invalidation made at `time` (wall-clock epoch seconds from the region's clock).
    /// `hard` invalidations turn older values into misses; soft ones turn them stale.
    func invalidate(hard: Bool, at time: Double) async throws
    /// Whether a value created at `creationTime` is invalidated, and how.
    func invalidation(ofValueCreatedAt creationTime: Double) -> ValueInvalidation
}
