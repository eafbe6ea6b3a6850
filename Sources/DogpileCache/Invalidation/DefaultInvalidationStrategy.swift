import Synchronization

/// The default ``RegionInvalidationStrategy``: the latest invalidation of this region.
///
/// On a backend that stores bytes, such as memcached, the region also writes each invalidation to
/// the backend and reads it back with every read, so an invalidation by any process sharing the
/// backend reaches all of them (see <doc:FleetInvalidation>); on others it holds in this process.
///
/// As in dogpile.cache, only the most recent invalidation counts: a soft invalidation after a hard
/// one makes all older values stale rather than missing. A value is invalidated when it was created
/// strictly before the invalidation. The time is kept in one atomic word, so reads never take a lock,
/// rounded up to the microsecond: a value created before the invalidation is always invalidated, and
/// one created in the same microsecond just after it may be too (costing one extra creation).
public final class DefaultInvalidationStrategy: RegionInvalidationStrategy {
    /// ``InvalidationWord``: `microseconds << 1 | hardBit`; zero means never invalidated.
    private let state = Atomic<Int64>(0)

    /// Creates a strategy with no invalidation recorded.
    public init() {}

    /// Records an invalidation at `time`, replacing any earlier one.
    ///
    /// - Throws: `invalidConfiguration` when `time` is not a time from 1970 to the year 100,000.
    public func invalidate(hard: Bool, at time: Double) async throws {
        guard time.isFinite, time >= 0, time < 3e12 else {
            throw CacheError(.invalidConfiguration, "invalidation time \(time) is not a wall-clock time in seconds since 1970")
        }
        state.store(InvalidationWord.make(hard: hard, at: time), ordering: .releasing)
    }

    /// Takes `word`, an invalidation another process recorded, when it is later than the one held.
    func adopt(_ word: Int64) {
        state.max(word, ordering: .acquiringAndReleasing)
    }

    /// `.hard` or `.soft` when the value was created before the latest invalidation, else `.none`.
    public func invalidation(ofValueCreatedAt creationTime: Double) -> ValueInvalidation {
        InvalidationWord.invalidation(state.load(ordering: .acquiring), ofValueCreatedAt: creationTime)
    }
}
