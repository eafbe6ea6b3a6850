/// An invalidation in one 64-bit word, as the region keeps it in memory and writes it to the shared
/// backend: `microseconds << 1 | hardBit`, the time rounded up to the microsecond, so a value created
/// before the invalidation is always invalidated (and one created in the same microsecond just after
/// it may be too, costing one extra creation). Zero means never invalidated. A later invalidation has
/// a greater word, so the latest of two is their maximum.
enum InvalidationWord {
    /// The word of an invalidation at `time` (seconds since 1970).
    static func make(hard: Bool, at time: Double) -> Int64 {
        Int64((time * 1_000_000).rounded(.up)) << 1 | (hard ? 1 : 0)
    }

    /// How the invalidation `word` affects a value created at `creationTime`.
    @inline(__always)
    static func invalidation(_ word: Int64, ofValueCreatedAt creationTime: Double) -> ValueInvalidation {
        guard word != 0, creationTime * 1_000_000 < Double(word >> 1) else { return .none }
        return word & 1 == 1 ? .hard : .soft
    }

    /// The time of the invalidation `word`, in microseconds since 1970.
    static func microseconds(_ word: Int64) -> Int64 {
        word >> 1
    }
}
