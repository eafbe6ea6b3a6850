/// The keys a cached function of one argument built most recently, by the argument's
/// ``CacheKeyRepresentable/cacheKeyIdentity``: a hit with a recent argument reuses its key instead of
/// formatting and allocating it again.
///
/// A fixed table of 64 slots, each holding the last key built for the identities that map to it, so
/// its memory is bounded whatever the arguments.
@usableFromInline
final class RecentFunctionKeys: Sendable {
    private static let slotCount = 64
    private let slots = LockedValue<[(identity: Int64, key: String)?]>(Array(repeating: nil, count: RecentFunctionKeys.slotCount))

    @usableFromInline
    init() {}

    /// The key remembered for `identity`, or `nil`.
    @usableFromInline
    func key(for identity: Int64) -> String? {
        let slot = Self.slot(of: identity)
        return slots.withLock { slots in
            guard let entry = slots[slot], entry.identity == identity else { return nil }
            return entry.key
        }
    }

    /// Remembers `key` for `identity`, in place of whatever its slot held.
    @usableFromInline
    func remember(_ key: String, for identity: Int64) {
        let slot = Self.slot(of: identity)
        let replaced = slots.withLock { slots in
            defer { slots[slot] = (identity, key) }
            return slots[slot]
        }
        // Released outside the lock.
        _ = replaced
    }

    private static func slot(of identity: Int64) -> Int {
        // Fibonacci hashing: neighbouring identities land in different slots.
        Int(truncatingIfNeeded: (UInt64(bitPattern: identity) &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }
}
