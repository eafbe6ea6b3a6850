#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The wall clock a region reads to stamp and age values.
///
/// Creation times are wall-clock epoch seconds, stored with each value, so that processes sharing a
/// backend agree on a value's age. Tests inject `ManualCacheClock` from DogpileCacheTesting instead
/// of sleeping.
public protocol CacheClock: Sendable {
    /// The current time in seconds since 1970-01-01 00:00:00 UTC.
    func now() -> Double
}

/// The system's real-time clock (`CLOCK_REALTIME`); the default clock of every region.
public struct SystemCacheClock: CacheClock {
    /// Creates the system clock.
    public init() {}

    /// The current time in seconds since 1970-01-01 00:00:00 UTC.
    @inlinable
    public func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1_000_000_000
    }
}
