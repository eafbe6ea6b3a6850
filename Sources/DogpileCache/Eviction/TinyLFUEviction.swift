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
/// Every use is counted in the sketch by the key's hash, which the policy keeps per slot.
struct TinyLFUEviction {
    private static let window: AccessOrderLists.List = 0
    private static let probation: AccessOrderLists.List = 1
    private static let protected: AccessOrderLists.List = 2

    private var order = AccessOrderLists(listCount: 3)
    private var sketch: FrequencySketch
    private var hashes: [UInt64] = []
    let capacity: Int
    let windowCapacity: Int
    let protectedCapacity: Int

    /// W-TinyLFU for a store of at most `capacity` entries.
    init(capacity: Int) {
        let capacity = max(1, capacity)
        self.capacity = capacity
        windowCapacity = max(1, capacity / 100)
        protectedCapacity = (capacity - windowCapacity) * 8 / 10
        sketch = FrequencySketch(capacity: capacity)
    }

    /// How many slots are tracked.
    var count: Int { order.counts.reduce(0, +) }

    /// A read of the value in `slot`.
    mutating func recordRead(_ slot: Int) {
        sketch.increment(hashes[slot])
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

    /// A new entry in `slot`, whose key has `hash`; returns the slot to evict when the store is over
    /// capacity (already forgotten here).
    mutating func recordInsert(_ slot: Int, hash: UInt64) -> Int? {
        while hashes.count <= slot { hashes.append(0) }
        hashes[slot] = hash
        sketch.increment(hash)
        order.pushFront(slot, to: Self.window)
        guard order.counts[Self.window] > windowCapacity, let candidate = order.last(of: Self.window) else {
            return nil
        }
        order.moveToFront(candidate, of: Self.probation)
        guard count > capacity else { return nil }
        // The candidate is probation's front; its last entry is another one unless it is alone.
        let victim = order.last(of: Self.probation).flatMap { $0 == candidate ? nil : $0 }
            ?? order.last(of: Self.protected)
        guard let victim else {
            order.remove(candidate)
            return candidate
        }
        let evicted = sketch.frequency(of: hashes[candidate]) > sketch.frequency(of: hashes[victim]) ? victim : candidate
        order.remove(evicted)
        return evicted
    }

    /// An entry removed from `slot` by the store (deleted, not evicted).
    mutating func recordRemoval(_ slot: Int) {
        order.remove(slot)
    }

    /// The slots of the window, probation and protected parts, most recently used first (for tests).
    var parts: (window: [Int], probation: [Int], protected: [Int]) {
        (order.slots(of: Self.window), order.slots(of: Self.probation), order.slots(of: Self.protected))
    }

    /// The sketch's estimate for `hash` (for tests).
    func frequency(of hash: UInt64) -> Int {
        sketch.frequency(of: hash)
    }
}
