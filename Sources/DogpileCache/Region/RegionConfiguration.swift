/// What ``CacheRegion/configure(backend:expirationTime:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:)``
/// set: immutable, so every operation reads one consistent snapshot with a single atomic load.
@usableFromInline
final class RegionConfiguration: Sendable {
    let backend: any AsyncCacheBackend
    let expiration: CacheExpiration
    let invalidation: any RegionInvalidationStrategy
    let backgroundRefresh: Bool
    let backendErrors: BackendErrorPolicy

    init(
        backend: any AsyncCacheBackend,
        expiration: CacheExpiration,
        invalidation: any RegionInvalidationStrategy,
        backgroundRefresh: Bool,
        backendErrors: BackendErrorPolicy
    ) {
        self.backend = backend
        self.expiration = expiration
        self.invalidation = invalidation
        self.backgroundRefresh = backgroundRefresh
        self.backendErrors = backendErrors
    }

    /// Judges `value` at `now` against `expiration` and the invalidation strategy.
    func freshness(of value: CachedValue, expiration: CacheExpiration, now: Double) -> Freshness {
        guard value.version == CachedValue.currentVersion else { return .unusable }
        switch invalidation.invalidation(ofValueCreatedAt: value.creationTime) {
        case .hard:
            return .unusable
        case .soft:
            return .stale
        case .none:
            if let seconds = expiration.seconds, now - value.creationTime > seconds {
                return .stale
            }
            return .fresh
        }
    }
}

/// How a stored value can be used.
@usableFromInline
enum Freshness: Sendable {
    /// Younger than the expiration and not invalidated.
    case fresh
    /// Expired or soft-invalidated: served while one caller regenerates it.
    case stale
    /// Hard-invalidated or of another format version: treated as missing.
    case unusable
}
