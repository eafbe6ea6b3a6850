import DogpileCache


/// A ``CacheClock`` that moves only when a test moves it, so expiration and age can be tested
/// without sleeping.
///
/// ```swift
/// let clock = ManualCacheClock(now: 1_000)
/// let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .seconds(10), clock: clock)
/// clock.advance(by: .seconds(11))   // values created before are now stale
/// ```
public final class ManualCacheClock: CacheClock {
    private let current: LockedValue<Double>

    /// Creates a clock reading `now` seconds since 1970 (default: 1,000,000).
    public init(now: Double = 1_000_000) {
        current = LockedValue(now)
    }

    /// The time the clock was set or advanced to.
    public func now() -> Double {
        current.withLock { $0 }
    }

    /// Moves the clock forward by `seconds`.
    public func advance(by seconds: Double) {
        current.withLock { $0 += seconds }
    }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) {
        advance(by: CacheExpiration(duration).timeInterval ?? 0)
    }

    /// Sets the clock to `time` seconds since 1970.
    public func set(to time: Double) {
        current.withLock { $0 = time }
    }
}
