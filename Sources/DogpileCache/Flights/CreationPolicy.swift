/// How a region creates and serves values beyond single flight: a region's default, given to
/// `configure(…, policy:)`, and replaced per call by the `policy:` of `getOrCreate`,
/// `getOrCreateMulti` and cached functions. `CreationPolicy()` changes nothing.
///
/// ```swift
/// var policy = CreationPolicy()
/// policy.jitter = .seconds(30)     // values created together do not expire together
/// policy.servesStale = false       // callers wait for the new value instead of the stale one
/// try await region.configure(backend: MemoryBackend(), expirationTime: .minutes(5), policy: policy)
/// ```
public struct CreationPolicy: Sendable, Hashable {
    /// A policy that changes nothing: today's behaviour.
    public init() {}

    /// Extends each stored value's lifetime by an amount between zero and `jitter`, so that values
    /// created together do not all expire together. The amount is derived from the value's backend
    /// key and creation time, so every process sharing a backend computes the same one for the same
    /// value. It extends the region's, the call's and the value's own expiration alike; `nil`, the
    /// default, extends nothing.
    public var jitter: Duration? {
        get { jitterSeconds.map(Self.duration) }
        set { jitterSeconds = newValue?.seconds }
    }

    // The durations in seconds, as the region computes with them.
    private var jitterSeconds: Double?
    private(set) var failSafeMaxStalenessSeconds: Double?
    private(set) var failSafeThrottleSeconds: Double = 30
    private(set) var softTimeoutSeconds: Double?
    private(set) var hardTimeoutSeconds: Double?

    /// `seconds` as a `Duration`, within its range (a duration set beyond about 292 years reads back
    /// as that much).
    private static func duration(_ seconds: Double) -> Duration {
        .nanoseconds(Int64((seconds * 1e9).rounded().clamped(to: -9e18...9e18)))
    }

    /// Fail-safe: when a creation fails (its creator throws) while a value of the caller's type is
    /// stored that expired no more than this long ago, every caller of that creation gets the stale
    /// value instead of the error, which is logged and counted (``CacheStatistics/failSafeServed``);
    /// then, for ``failSafeThrottle``, callers are served that value as if it were fresh, without
    /// calling the creator again. A soft-invalidated value counts as expired when it is read. `nil`,
    /// the default, turns fail-safe off: the error reaches every caller. Errors are never cached.
    public var failSafeMaxStaleness: Duration? {
        get { failSafeMaxStalenessSeconds.map(Self.duration) }
        set { failSafeMaxStalenessSeconds = newValue?.seconds }
    }

    /// How long after a failed creation served a fail-safe value the value is served as if fresh,
    /// in this process, before a caller tries the creator again. Default 30 seconds.
    public var failSafeThrottle: Duration {
        get { Self.duration(failSafeThrottleSeconds) }
        set { failSafeThrottleSeconds = newValue.seconds }
    }

    /// Soft timeout: the caller that regenerates a stale value it may be served waits this long for
    /// the new value, then is served the stale one; the creation goes on and its value is stored
    /// when it finishes. `nil`, the default, waits for the creation.
    public var softTimeout: Duration? {
        get { softTimeoutSeconds.map(Self.duration) }
        set { softTimeoutSeconds = newValue?.seconds }
    }

    /// Hard timeout: a caller without a value it may be served waits this long for a creation, then
    /// gets its fail-safe value if it has one (``failSafeMaxStaleness``), else `CacheError` code
    /// `creationTimedOut`; the creation goes on, its value is stored when it finishes, and callers
    /// that come meanwhile join it. `nil`, the default, waits for the creation.
    public var hardTimeout: Duration? {
        get { hardTimeoutSeconds.map(Self.duration) }
        set { hardTimeoutSeconds = newValue?.seconds }
    }

    /// Eager refresh: a hit on a fresh value older than this fraction of its expiration (0 < x < 1)
    /// returns the value at once and starts one regeneration of it in the background (concurrent
    /// hits start one between them; counted as ``CacheStatistics/eagerRefreshes``), whose value is
    /// stored when ready, so that a popular value is replaced before it expires. `nil`, the default,
    /// refreshes nothing early.
    public var eagerRefresh: Double?

    /// Whether an expired (or soft-invalidated) value is served to the callers that do not
    /// regenerate it. With `false`, every caller waits for the new value, as for a missing one.
    /// Default `true`.
    public var servesStale = true

    /// The policy, checked.
    ///
    /// - Throws: `invalidConfiguration` for a negative duration.
    func validated() throws -> CreationPolicy {
        for (name, seconds) in [("jitter", jitterSeconds), ("failSafeMaxStaleness", failSafeMaxStalenessSeconds), ("failSafeThrottle", failSafeThrottleSeconds), ("softTimeout", softTimeoutSeconds), ("hardTimeout", hardTimeoutSeconds)] {
            if let seconds, !(seconds >= 0 && seconds.isFinite) {
                throw CacheError(.invalidConfiguration, "a creation policy's \(name) must not be negative, got \(seconds) s")
            }
        }
        if let eagerRefresh, !(eagerRefresh > 0 && eagerRefresh < 1) {
            throw CacheError(.invalidConfiguration, "a creation policy's eagerRefresh must be a fraction between 0 and 1, got \(eagerRefresh)")
        }
        return self
    }

    /// Whether a value that expired `staleness` seconds ago may stand in for a failed creation.
    func allowsFailSafe(staleness: Double) -> Bool {
        failSafeMaxStalenessSeconds.map { staleness <= $0 } ?? false
    }

    /// The seconds ``jitter`` adds to the lifetime of the value stored under `backendKey` and
    /// created at `creationTime`: the jitter times a fraction in [0, 1) from FNV-1a of the two.
    func addedLifetime(ofKey backendKey: String, createdAt creationTime: Double) -> Double {
        guard let jitterSeconds else { return 0 }
        let time = creationTime.bitPattern
        let hash = FNV1a.hash(stride(from: 56, through: 0, by: -8).map { UInt8(truncatingIfNeeded: time >> UInt64($0)) }, from: FNV1a.hash(backendKey.utf8))
        return jitterSeconds * (Double(hash >> 11) / Double(1 << 53))
    }
}

extension Double {
    /// The value limited to `range` (the seconds of a `Duration`, never NaN).
    fileprivate func clamped(to range: ClosedRange<Double>) -> Double {
        Swift.min(Swift.max(self, range.lowerBound), range.upperBound)
    }
}
