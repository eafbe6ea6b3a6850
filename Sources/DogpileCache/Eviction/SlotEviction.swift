/// The eviction policy of a bounded ``MemoryStore``, over its slots: the one place that dispatches
/// a store's events to the policy it was made with.
struct SlotEviction {
    // One of these is set. Optionals rather than an enum with payloads, so that a policy is mutated
    // in place instead of copied out of the enum and back.
    private var lru: LRUEviction?
    private var tinyLFU: TinyLFUEviction?

    /// `policy` for a store of at most `capacity` entries.
    init(_ policy: MemoryBackend.EvictionPolicy, capacity: Int) {
        switch policy.kind {
        case .lru: lru = LRUEviction(capacity: capacity)
        case .tinyLFU: tinyLFU = TinyLFUEviction(capacity: capacity)
        }
    }

    /// A read of the value in `slot`, or its replacement by a new value: a use.
    mutating func recordUse(_ slot: Int) {
        lru?.recordRead(slot)
        tinyLFU?.recordRead(slot)
    }

    /// A new entry under `key` in `slot`; returns the slot to evict, if the store is over capacity.
    mutating func recordInsert(_ slot: Int, key: String) -> Int? {
        if lru != nil {
            return lru!.recordInsert(slot)
        }
        return tinyLFU!.recordInsert(slot, hash: UInt64(bitPattern: Int64(key.hashValue)))
    }

    /// An entry deleted from `slot` (not evicted).
    mutating func recordRemoval(_ slot: Int) {
        lru?.recordRemoval(slot)
        tinyLFU?.recordRemoval(slot)
    }
}
