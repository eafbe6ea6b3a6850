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
    /// The current time in seconds since 1970-01-01 00:00:00 UTC. Stamps new values.
    func now() -> Double
    /// The current time for judging whether a value has expired: it may lag ``now()`` by a few
    /// milliseconds if that makes it cheaper. Defaults to ``now()``.
    func coarseNow() -> Double
    /// Suspends until the clock reads `deadline` (seconds since 1970) or later: how a region waits
    /// out a creation's soft or hard timeout. Throws `CancellationError` when the task is
    /// cancelled. Defaults to `Task.sleep` for the time from ``now()`` to `deadline`.
    func sleep(until deadline: Double) async throws
}

extension CacheClock {
    /// Returns ``now()``.
    public func coarseNow() -> Double {
        now()
    }

    /// Sleeps with `Task.sleep` for the time from ``now()`` to `deadline`.
    public func sleep(until deadline: Double) async throws {
        let delay = min(deadline - now(), 1e9)  // at most about 31 years, within `Duration`'s range
        if delay > 0 {
            try await Task.sleep(for: .nanoseconds(Int64(delay * 1e9)))
        } else {
            try Task.checkCancellation()
        }
    }
}

/// The system's real-time clock (`CLOCK_REALTIME`); the default clock of every region.
///
/// On Linux, expiry checks read `CLOCK_REALTIME_COARSE`, a few times cheaper and at most one kernel
/// tick (1-4 ms) behind: a value may be served as fresh that much past its expiration.
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

    /// The current time, up to one kernel tick behind ``now()`` on Linux.
    @inlinable
    public func coarseNow() -> Double {
        #if os(Linux)
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        // A multiplication, not a division: the division's latency was two thirds of this read,
        // a twentieth of a memory hit (perf, `HitProfile bounded`); the results differ by an ulp.
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
        #else
        return now()
        #endif
    }
}
