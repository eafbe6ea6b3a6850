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
    /// Set when the store is bounded.
    private var eviction: SlotEviction?

    init(maxEntries: Int?, policy: MemoryBackend.EvictionPolicy = .tinyLFU) {
        self.maxEntries = maxEntries
        self.policy = policy
        eviction = maxEntries.map { SlotEviction(policy, capacity: $0) }
    }

    var count: Int { index.count }

    mutating func value(for key: String) -> CachedValue? {
        guard let slot = index[key] else { return nil }
        eviction?.recordUse(slot)
        return slots[slot].value
    }

    /// Stores `value` and returns the value it displaced: the one it replaced, or the one evicted to
    /// stay within the bound, which may be `value` itself when the policy does not admit it. The
    /// caller releases it after unlocking: releasing a payload may run its `deinit`.
    mutating func setValue(_ value: CachedValue, for key: String) -> CachedValue? {
        if let slot = index[key] {
            eviction?.recordUse(slot)
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
        guard let victim = eviction?.recordInsert(slot, key: key) else { return nil }
        return free(victim)
    }

    /// Removes `key` and returns its value, for the caller to release after unlocking.
    mutating func removeValue(for key: String) -> CachedValue? {
        guard let slot = index[key] else { return nil }
        eviction?.recordRemoval(slot)
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
