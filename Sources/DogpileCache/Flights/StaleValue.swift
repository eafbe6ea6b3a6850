/// A stale value a caller read for a key it could not serve fresh, and what the caller's
/// ``CreationPolicy`` lets the region do with it while the key is regenerated.
struct StaleValue: Sendable {
    /// The value, boxed as the caller's type.
    var box: PayloadBox
    /// Whether callers are served it while the key is regenerated (``CreationPolicy/servesStale``).
    var isServed: Bool
    /// Whether it stands in for a creation that fails (``CreationPolicy/failSafeMaxStaleness``).
    var isFailSafe: Bool
}

extension RegionConfiguration {
    /// What the region may do with `value`, read as `box` under `backendKey` and judged stale at
    /// `now`, under `policy`; `nil` when it may neither serve it nor fall back on it.
    func staleValue(
        _ value: CachedValue,
        box: PayloadBox,
        key backendKey: String,
        expiration: CacheExpiration,
        policy: CreationPolicy,
        now: Double
    ) -> StaleValue? {
        var staleness = 0.0
        if let seconds = lifetime(of: value, expiration: expiration) {
            let expiry = value.creationTime + seconds + policy.addedLifetime(ofKey: backendKey, createdAt: value.creationTime)
            staleness = max(0, now - expiry)
        }
        let stale = StaleValue(box: box, isServed: policy.servesStale, isFailSafe: policy.allowsFailSafe(staleness: staleness))
        return stale.isServed || stale.isFailSafe ? stale : nil
    }
}

extension FlightTable.PendingKey {
    /// A key the caller could not serve fresh, holding `stale`, if anything.
    init(key: String, backendKey: String, stale: StaleValue?) {
        self.init(key: key, backendKey: backendKey, hasStaleValue: stale?.isServed ?? false, hasFailSafeValue: stale?.isFailSafe ?? false)
    }

    /// A key whose fresh value `due`, past its eager-refresh point, the caller is served while the
    /// key is regenerated in the background.
    init(key: String, backendKey: String, dueForRefresh due: StaleValue) {
        self.init(key: key, backendKey: backendKey, stale: due)
        isDueForRefresh = true
    }
}
