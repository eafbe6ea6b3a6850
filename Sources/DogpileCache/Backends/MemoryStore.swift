/// One part of a ``MemoryBackend``: a ``KeyIndex`` over an array of slots, the weight of each entry
/// when a weight bound is set, and, when any bound is set, the eviction policy's bookkeeping.
///
/// A plain value type so it can be tested without locks; ``MemoryBackend`` holds each part in a
/// mutex. Every operation reports what left the store in a ``RemovedValues``, which the caller
/// releases after unlocking: releasing a payload may run its `deinit`. Callers pass each key's
/// `hashValue`, computed once per operation.
struct MemoryStore {
    private struct Entry {
        var key: String
        var value: CachedValue
    }

    private var index = KeyIndex()
    /// `nil` marks a free slot (holding no payload alive).
    private var slots: [Entry?] = []
    private var freeSlots: [Int] = []
    /// Each slot's weight, when the store is bounded by weight; else empty.
    private var weights: [Int] = []
    /// Each slot's key's hash bits (``KeyIndex/bits(of:)``), when the store is bounded; else empty:
    /// what an eviction needs to unlink a slot from the index and to judge it by its uses, without
    /// hashing its key again.
    private var hashes: [UInt32] = []
    /// The bound on entries, or `nil`.
    let maxEntries: Int?
    /// The bound on total weight, or `nil`.
    let maxWeight: Int?
    /// The total weight of the entries held (0 unless bounded by weight).
    private(set) var totalWeight = 0
    /// Set when the store is bounded.
    private var eviction: SlotEviction?

    /// A store holding at most `maxEntries` entries and `maxWeight` weight (`nil`: no such bound),
    /// evicting by `policy`.
    init(maxEntries: Int?, maxWeight: Int? = nil, policy: MemoryBackend.EvictionPolicy = .tinyLFU) {
        self.maxEntries = maxEntries
        self.maxWeight = maxWeight
        if maxEntries != nil || maxWeight != nil {
            eviction = SlotEviction(policy, capacity: maxEntries)
        }
    }

    var count: Int { index.count }

    /// The slot holding `key`, whose hash is `hash`.
    @inline(__always)
    private func slot(of key: String, hash: Int) -> Int? {
        index.slot(hash: hash) { slots[$0]?.key == key }
    }

    /// The value stored under `key`, whose hash is `hash`, counted as a use.
    mutating func value(for key: String, hash: Int) -> CachedValue? {
        guard let slot = slot(of: key, hash: hash) else { return nil }
        eviction?.recordUse(slot, hash: KeyIndex.bits(of: hash))
        return slots[slot]!.value
    }

    /// Stores `value`, of `weight` (ignored unless the store is bounded by weight), and records in
    /// `removed` the value it replaced and those evicted to stay within the bounds, which may
    /// include `value` itself.
    mutating func setValue(_ value: CachedValue, for key: String, hash: Int, weight: Int = 0, removed: inout RemovedValues) {
        if let maxWeight, weight > maxWeight {
            // It could never be kept: take out the value it replaces, and report it not kept.
            removeValue(for: key, hash: hash, cause: .replaced, removed: &removed)
            removed.append(key: key, value: value, cause: .weight)
            return
        }
        if let slot = slot(of: key, hash: hash) {
            eviction?.recordUse(slot, hash: KeyIndex.bits(of: hash))
            removed.append(key: key, value: slots[slot]!.value, cause: .replaced)
            slots[slot]!.value = value
            setWeight(weight, of: slot)
        } else {
            let slot: Int
            if let free = freeSlots.popLast() {
                slot = free
                slots[slot] = Entry(key: key, value: value)
            } else {
                slot = slots.count
                slots.append(Entry(key: key, value: value))
            }
            index.insert(hash: hash, slot: slot)
            setWeight(weight, of: slot)
            if eviction != nil {
                let bits = KeyIndex.bits(of: hash)
                while hashes.count <= slot { hashes.append(0) }
                hashes[slot] = bits
                eviction!.recordInsert(slot, hash: bits)
            }
        }
        evictWhileOverBounds(removed: &removed)
    }

    /// Removes `key`, if present, recording its value in `removed` with `cause`.
    mutating func removeValue(
        for key: String,
        hash: Int,
        cause: MemoryBackend.Eviction.Cause = .explicit,
        removed: inout RemovedValues
    ) {
        guard let slot = slot(of: key, hash: hash) else { return }
        eviction?.recordRemoval(slot)
        free(slot, hash: hash, cause: cause, removed: &removed)
    }

    private mutating func evictWhileOverBounds(removed: inout RemovedValues) {
        while true {
            let cause: MemoryBackend.Eviction.Cause
            if let maxEntries, count > maxEntries {
                cause = .size
            } else if let maxWeight, totalWeight > maxWeight {
                cause = .weight
            } else {
                return
            }
            guard let victim = eviction?.evict(hashes: hashes) else { return }
            free(victim, hash: Int(hashes[victim]), cause: cause, removed: &removed)
        }
    }

    private mutating func setWeight(_ weight: Int, of slot: Int) {
        guard maxWeight != nil else { return }
        while weights.count <= slot { weights.append(0) }
        totalWeight += weight - weights[slot]
        weights[slot] = weight
    }

    /// Empties `slot`, whose key has `hash` and which the policy no longer tracks, recording its
    /// value in `removed`.
    private mutating func free(_ slot: Int, hash: Int, cause: MemoryBackend.Eviction.Cause, removed: inout RemovedValues) {
        guard let entry = slots[slot] else { return }
        index.remove(hash: hash, slot: slot)
        removed.append(key: entry.key, value: entry.value, cause: cause)
        slots[slot] = nil
        setWeight(0, of: slot)
        freeSlots.append(slot)
    }
}
