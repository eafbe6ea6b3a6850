/// Least-recently-used eviction over a store's slots: every use moves a slot to the front, and the
/// slot at the back is evicted.
struct LRUEviction {
    private var order = AccessOrderLists(listCount: 1)
    let capacity: Int

    /// LRU for a store of at most `capacity` entries.
    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many slots are tracked.
    var count: Int { order.counts[0] }

    /// A read of the value in `slot`.
    mutating func recordRead(_ slot: Int) {
        order.moveToFront(slot, of: 0)
    }

    /// A new entry in `slot`; returns the slot to evict when the store is over capacity (already
    /// forgotten here).
    mutating func recordInsert(_ slot: Int) -> Int? {
        order.pushFront(slot, to: 0)
        guard count > capacity, let victim = order.last(of: 0) else { return nil }
        order.remove(victim)
        return victim
    }

    /// An entry removed from `slot` by the store (deleted, not evicted).
    mutating func recordRemoval(_ slot: Int) {
        order.remove(slot)
    }

    /// The slots from most to least recently used (for tests).
    var slotsInOrder: [Int] { order.slots(of: 0) }
}
