/// Window TinyLFU eviction (Einziger, Friedman and Manes, "TinyLFU: A Highly Efficient Cache
/// Admission Policy"; Caffeine's default): recency and frequency together.
///
/// - A new entry enters a small LRU *window* (1% of the capacity).
/// - An entry pushed out of the window becomes a *candidate* for the main area, a segmented LRU of a
///   *probation* part and a *protected* part (80% of the main area). At the bound, the candidate
///   competes with the probation part's least recently used entry: the one a ``FrequencySketch``
///   says was used less recently is evicted. So a key seen once (a scan) cannot push out a popular one.
/// - A read in the window moves the entry to the window's front; in probation, promotes it to the
///   protected part (whose overflow goes back to the front of probation); in protected, moves it to
///   the protected front.
///
/// Every use is counted in the sketch by the key's hash bits, which the store passes in.
struct TinyLFUEviction {
    private static let window: AccessOrderLists.List = 0
    private static let probation: AccessOrderLists.List = 1
    private static let protected: AccessOrderLists.List = 2

    private var order = AccessOrderLists(listCount: 3)
    private var sketch: FrequencySketch
    /// The entry the last insert pushed out of the window, until an eviction judges it.
    private var candidate: Int?
    /// The bound in entries, or `nil` for a store bounded by weight alone.
    let fixedCapacity: Int?

    /// W-TinyLFU for a store of at most `capacity` entries; with `nil`, the parts are sized by the
    /// entries held (a store bounded by weight alone).
    init(capacity: Int?) {
        fixedCapacity = capacity.map { max(1, $0) }
        sketch = FrequencySketch(capacity: fixedCapacity ?? 1024)
    }

    /// How many slots are tracked.
    var count: Int { order.counts.reduce(0, +) }

    /// The capacity the parts are fractions of.
    private var capacity: Int { fixedCapacity ?? max(1, count) }
    /// The window's share: 1% of the capacity.
    var windowCapacity: Int { max(1, capacity / 100) }
    /// The protected part's share: 80% of the main area.
    var protectedCapacity: Int { (capacity - windowCapacity) * 8 / 10 }

    /// A read of the value in `slot`, whose key's hash bits are `hash`.
    mutating func recordRead(_ slot: Int, hash: UInt32) {
        sketch.increment(hash)
        switch order.list(of: slot) {
        case Self.window:
            order.moveToFront(slot, of: Self.window)
        case Self.probation:
            order.moveToFront(slot, of: Self.protected)
            if order.counts[Self.protected] > protectedCapacity, let demoted = order.last(of: Self.protected) {
                order.moveToFront(demoted, of: Self.probation)
            }
        case Self.protected:
            order.moveToFront(slot, of: Self.protected)
        default:
            break
        }
    }

    /// A new entry in `slot`, whose key has `hash`: it enters the window, and the window's least
    /// recently used entry, when it overflows, moves to probation as the candidate for ``evict()``.
    mutating func recordInsert(_ slot: Int, hash: UInt32) {
        if fixedCapacity == nil, count >= sketch.capacity {
            // Bounded by weight alone: the sketch grows with the entries held (forgetting its counts).
            sketch = FrequencySketch(capacity: 2 * sketch.capacity)
        }
        sketch.increment(hash)
        order.pushFront(slot, to: Self.window)
        candidate = nil
        if order.counts[Self.window] > windowCapacity, let overflow = order.last(of: Self.window) {
            order.moveToFront(overflow, of: Self.probation)
            candidate = overflow
        }
    }

    /// Picks a slot to evict and forgets it; `nil` when none is tracked. `hashes` holds each
    /// tracked slot's key's hash bits.
    ///
    /// The candidate of the last insert, while it waits in probation, competes with the main area's
    /// least recently used entry (probation's, else protected's), and the one the sketch counts
    /// fewer recent uses for is evicted. Without a candidate (a second eviction for the same
    /// insert, when a store bounded by weight needs room), the least recently used entry of
    /// probation, protected and window goes, in that order.
    mutating func evict(hashes: [UInt32]) -> Int? {
        if let candidate = candidate.take(), order.list(of: candidate) == Self.probation {
            // The candidate is probation's front; its last entry is another one unless it is alone.
            let victim = order.last(of: Self.probation).flatMap { $0 == candidate ? nil : $0 }
                ?? order.last(of: Self.protected)
            let evicted: Int
            if let victim, sketch.frequency(of: hashes[candidate]) > sketch.frequency(of: hashes[victim]) {
                evicted = victim
            } else {
                evicted = candidate
            }
            order.remove(evicted)
            return evicted
        }
        let last = order.last(of: Self.probation) ?? order.last(of: Self.protected) ?? order.last(of: Self.window)
        if let last {
            order.remove(last)
        }
        return last
    }

    /// An entry removed from `slot` by the store (deleted, not evicted).
    mutating func recordRemoval(_ slot: Int) {
        if candidate == slot { candidate = nil }
        order.remove(slot)
    }

    /// The slots of the window, probation and protected parts, most recently used first (for tests).
    var parts: (window: [Int], probation: [Int], protected: [Int]) {
        (order.slots(of: Self.window), order.slots(of: Self.probation), order.slots(of: Self.protected))
    }

    /// The sketch's estimate for `hash` (for tests).
    func frequency(of hash: UInt32) -> Int {
        sketch.frequency(of: hash)
    }
}
