/// The eviction policy of a bounded ``MemoryStore``, over its slots: the one place that dispatches
/// a store's events to the policy it was made with.
///
/// The policy orders slots; the store decides when it is over its bounds and asks ``evict()`` for
/// a slot until it no longer is.
struct SlotEviction {
    // One of these is set. Optionals rather than an enum with payloads, so that a policy is mutated
    // in place instead of copied out of the enum and back.
    private var lru: LRUEviction?
    private var tinyLFU: TinyLFUEviction?

    /// `policy` for a store of at most `capacity` entries, or, with `nil`, for a store bounded by
    /// weight alone: the policy then sizes its parts by the entries it holds.
    init(_ policy: MemoryBackend.EvictionPolicy, capacity: Int?) {
        switch policy.kind {
        case .lru: lru = LRUEviction()
        case .tinyLFU: tinyLFU = TinyLFUEviction(capacity: capacity)
        }
    }

    /// A read of the value in `slot`, or its replacement by a new value: a use of the key whose
    /// hash bits (``KeyIndex/bits(of:)``) are `hash`.
    mutating func recordUse(_ slot: Int, hash: UInt32) {
        lru?.recordRead(slot)
        tinyLFU?.recordRead(slot, hash: hash)
    }

    /// A new entry in `slot`, whose key's hash bits are `hash`.
    mutating func recordInsert(_ slot: Int, hash: UInt32) {
        if lru != nil {
            lru!.recordInsert(slot)
        } else {
            tinyLFU!.recordInsert(slot, hash: hash)
        }
    }

    /// Picks a slot to evict and forgets it; `nil` when the policy tracks none. `hashes` holds
    /// each tracked slot's key's hash bits.
    mutating func evict(hashes: [UInt32]) -> Int? {
        if lru != nil {
            return lru!.evict()
        }
        return tinyLFU!.evict(hashes: hashes)
    }

    /// An entry deleted from `slot` (not evicted).
    mutating func recordRemoval(_ slot: Int) {
        lru?.recordRemoval(slot)
        tinyLFU?.recordRemoval(slot)
    }
}
