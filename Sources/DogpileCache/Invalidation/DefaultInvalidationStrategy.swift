import Synchronization

/// The default ``RegionInvalidationStrategy``: the latest invalidation of this region object, in
/// this process only.
///
/// As in dogpile.cache, only the most recent invalidation counts: a soft invalidation after a hard
/// one makes all older values stale rather than missing. A value is invalidated when it was created
/// strictly before the invalidation. The time is kept in one atomic word, so reads never take a lock,
/// rounded up to the microsecond: a value created before the invalidation is always invalidated, and
/// one created in the same microsecond just after it may be too (costing one extra creation).
public final class DefaultInvalidationStrategy: RegionInvalidationStrategy {
    /// `microseconds << 1 | hardBit`; zero means never invalidated.
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
        let microseconds = Int64((time * 1_000_000).rounded(.up))
        state.store(microseconds << 1 | (hard ? 1 : 0), ordering: .releasing)
    }

    /// `.hard` or `.soft` when the value was created before the latest invalidation, else `.none`.
    public func invalidation(ofValueCreatedAt creationTime: Double) -> ValueInvalidation {
        let word = state.load(ordering: .acquiring)
        guard word != 0 else { return .none }
        let invalidatedAt = Double(word >> 1) / 1_000_000
        guard creationTime < invalidatedAt else { return .none }
        return word & 1 == 1 ? .hard : .soft
    }
}
