/// The storage behind ``MemoryBackend``: a key index over an array of slots and, when a bound is
/// set, the eviction policy's bookkeeping of those slots.
///
/// A plain value type so it can be tested without locks; ``MemoryBackend`` holds it in a mutex.
struct MemoryStore {
    private struct Slot {
        /// `nil` marks a free slot.
        var key: String?
        var value: CachedValue
    }

    /// Put in freed slots so they do not keep payloads alive.
    static let emptyValue = CachedValue(payload: (), creationTime: 0)

    private var index: [String: Int] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    let maxEntries: Int?
    let policy: MemoryBackend.EvictionPolicy
    // One of these is set when the store is bounded. Optionals rather than an enum with payloads,
    // so that a policy is mutated in place instead of copied out of the enum and back.
    private var lru: LRUEviction?
    private var tinyLFU: TinyLFUEviction?

    init(maxEntries: Int?, policy: MemoryBackend.EvictionPolicy = .tinyLFU) {
        self.maxEntries = maxEntries
        self.policy = policy
        guard let maxEntries else { return }
        switch policy.kind {
        case .lru: lru = LRUEviction(capacity: maxEntries)
        case .tinyLFU: tinyLFU = TinyLFUEviction(capacity: maxEntries)
        }
    }

    var count: Int { index.count }

    mutating func value(for key: String) -> CachedValue? {
        guard let slot = index[key] else { return nil }
        lru?.recordRead(slot)
        tinyLFU?.recordRead(slot)
        return slots[slot].value
    }

    /// Stores `value` and returns the value it displaced: the one it replaced, or the one evicted to
    /// stay within the bound, which may be `value` itself when the policy does not admit it. The
    /// caller releases it after unlocking: releasing a payload may run its `deinit`.
    mutating func setValue(_ value: CachedValue, for key: String) -> CachedValue? {
        if let slot = index[key] {
            lru?.recordUpdate(slot)
            tinyLFU?.recordUpdate(slot)
            defer { slots[slot].value = value }
            return slots[slot].value
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = Slot(key: key, value: value)
        } else {
            slot = slots.count
            slots.append(Slot(key: key, value: value))
        }
        index[key] = slot
        let victim: Int?
        if lru != nil {
            victim = lru!.recordInsert(slot)
        } else if tinyLFU != nil {
            victim = tinyLFU!.recordInsert(slot, hash: UInt64(bitPattern: Int64(key.hashValue)))
        } else {
            victim = nil
        }
        guard let victim else { return nil }
        return free(victim)
    }

    /// Removes `key` and returns its value, for the caller to release after unlocking.
    mutating func removeValue(for key: String) -> CachedValue? {
        guard let slot = index[key] else { return nil }
        lru?.recordRemoval(slot)
        tinyLFU?.recordRemoval(slot)
        return free(slot)
    }

    /// Empties `slot`, which the policy no longer tracks, and returns its value.
    private mutating func free(_ slot: Int) -> CachedValue {
        if let key = slots[slot].key {
            index[key] = nil
        }
        let removed = slots[slot].value
        slots[slot] = Slot(key: nil, value: MemoryStore.emptyValue)
        freeSlots.append(slot)
        return removed
    }
}
