/// What ``CacheRegion/configure(backend:expirationTime:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:)``
/// set, read as one snapshot by every operation.
struct RegionSettings: Sendable {
    var backend: (any AsyncCacheBackend)?
    var expiration: CacheExpiration = .never
    var invalidation: any RegionInvalidationStrategy = DefaultInvalidationStrategy()
    var backgroundRefresh = false
    var backendErrors = BackendErrorPolicy.failOpen
}

/// How a stored value can be used.
enum Freshness {
    /// Younger than the expiration and not invalidated.
    case fresh
    /// Expired or soft-invalidated: served while one caller regenerates it.
    case stale
    /// Hard-invalidated or of another format version: treated as missing.
    case unusable
}

extension RegionSettings {
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
