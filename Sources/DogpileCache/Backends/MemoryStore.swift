/// The storage behind ``MemoryBackend``: a key index over an array of slots, with CLOCK
/// (second-chance) eviction when a bound is set.
///
/// A plain value type so it can be tested without locks; ``MemoryBackend`` holds it in a `Mutex`.
struct MemoryStore {
    private struct Slot {
        /// `nil` marks a free slot.
        var key: String?
        var value: CachedValue
        /// Set by reads; the clock hand clears it once before evicting the slot.
        var referenced: Bool
    }

    /// Put in freed slots so they do not keep payloads alive.
    static let emptyValue = CachedValue(payload: (), creationTime: 0)

    private var index: [String: Int] = [:]
    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var hand = 0
    let maxEntries: Int?

    init(maxEntries: Int?) {
        self.maxEntries = maxEntries
    }

    var count: Int { index.count }

    mutating func value(for key: String) -> CachedValue? {
        guard let slot = index[key] else { return nil }
        if maxEntries != nil {
            slots[slot].referenced = true
        }
        return slots[slot].value
    }

    /// Stores `value` and returns the value it displaced (replaced or evicted), so the caller can
    /// release it after unlocking: releasing a payload may run its `deinit`.
    mutating func setValue(_ value: CachedValue, for key: String) -> CachedValue? {
        if let slot = index[key] {
            defer {
                slots[slot].value = value
                slots[slot].referenced = true
            }
            return slots[slot].value
        }
        var evicted: CachedValue?
        if let maxEntries, index.count >= maxEntries {
            evicted = evictOne()
        }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = Slot(key: key, value: value, referenced: false)
        } else {
            slot = slots.count
            slots.append(Slot(key: key, value: value, referenced: false))
        }
        index[key] = slot
        return evicted
    }

    /// Removes `key` and returns its value, for the caller to release after unlocking.
    mutating func removeValue(for key: String) -> CachedValue? {
        guard let slot = index.removeValue(forKey: key) else { return nil }
        let removed = slots[slot].value
        slots[slot].key = nil
        slots[slot].value = MemoryStore.emptyValue
        freeSlots.append(slot)
        return removed
    }

    /// Advances the clock hand to the first occupied slot not read since the hand last passed it,
    /// and frees that slot, returning its value. Terminates within two sweeps, since the first sweep
    /// clears every flag.
    private mutating func evictOne() -> CachedValue? {
        while true {
            if hand >= slots.count { hand = 0 }
            let slot = hand
            hand += 1
            guard let key = slots[slot].key else { continue }
            if slots[slot].referenced {
                slots[slot].referenced = false
            } else {
                return removeValue(for: key)
            }
        }
    }
}
