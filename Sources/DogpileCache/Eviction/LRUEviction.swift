/// Least-recently-used eviction over a store's slots: every use moves a slot to the front, and the
/// slot at the back is evicted.
struct LRUEviction {
    private var order = AccessOrderLists(listCount: 1)

    /// How many slots are tracked.
    var count: Int { order.counts[0] }

    /// A read of the value in `slot`.
    mutating func recordRead(_ slot: Int) {
        order.moveToFront(slot, of: 0)
    }

    /// A new entry in `slot`.
    mutating func recordInsert(_ slot: Int) {
        order.pushFront(slot, to: 0)
    }

    /// Picks the least recently used slot to evict and forgets it; `nil` when none is tracked.
    mutating func evict() -> Int? {
        guard let victim = order.last(of: 0) else { return nil }
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
