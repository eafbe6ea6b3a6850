/// A hash table from keys to a ``MemoryStore``'s slots, looked up by a hash the caller computes
/// once: the same `hashValue` picks the key's shard, finds its slot and feeds the eviction sketch.
///
/// A `[String: Int]` hashes the key again on every lookup; on a region hit that second hash was a
/// fifth of the time (perf, `HitProfile region`). The table keeps no keys: it probes buckets holding
/// the low 32 bits of each key's hash and its slot, and asks the caller whether the key in a
/// candidate slot is the one looked for, so equality stays `String`'s own.
///
/// Open addressing with linear probing; a bucket is `(hash bits << 32) | (slot + 1)`, 0 when empty;
/// at most three quarters full; removal shifts later entries of the run back (no tombstones).
struct KeyIndex {
    private var buckets: [UInt64]
    private var mask: Int
    /// How many keys the table holds.
    private(set) var count = 0

    /// An empty table.
    init() {
        buckets = Array(repeating: 0, count: 8)
        mask = 7
    }

    /// The slot of the key with `hash` for which `isKey` returns `true`, or `nil`.
    @inline(__always)
    func slot(hash: Int, where isKey: (Int) -> Bool) -> Int? {
        let bits = UInt64(Self.bits(of: hash))
        var position = Int(bits) & mask
        while true {
            let bucket = buckets[position]
            if bucket == 0 {
                return nil
            }
            if bucket >> 32 == bits, isKey(Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1) {
                return Int(truncatingIfNeeded: bucket & 0xFFFF_FFFF) - 1
            }
            position = (position + 1) & mask
        }
    }

    /// Adds `slot` for a key with `hash` that the table does not hold.
    mutating func insert(hash: Int, slot: Int) {
        precondition(slot < Int(UInt32.max), "KeyIndex holds at most 2^32 - 1 slots")
        if (count + 1) * 4 > buckets.count * 3 {
            grow()
        }
        place((UInt64(Self.bits(of: hash)) << 32) | UInt64(slot + 1))
        count += 1
    }

    /// Removes `slot`, held for a key with `hash`.
    mutating func remove(hash: Int, slot: Int) {
        let target = (UInt64(Self.bits(of: hash)) << 32) | UInt64(slot + 1)
        var hole = Int(Self.bits(of: hash)) & mask
        while buckets[hole] != target {
            precondition(buckets[hole] != 0, "KeyIndex.remove of a slot it does not hold")
            hole = (hole + 1) & mask
        }
        // Shift back each later entry of the run that may sit at the hole: one whose home bucket is
        // not cyclically after the hole.
        var next = (hole + 1) & mask
        while buckets[next] != 0 {
            let home = Int(buckets[next] >> 32) & mask
            if (next - home) & mask >= (next - hole) & mask {
                buckets[hole] = buckets[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        buckets[hole] = 0
        count -= 1
    }

    /// Puts `bucket` in the first empty bucket of its run.
    private mutating func place(_ bucket: UInt64) {
        var position = Int(bucket >> 32) & mask
        while buckets[position] != 0 {
            position = (position + 1) & mask
        }
        buckets[position] = bucket
    }

    private mutating func grow() {
        let old = buckets
        buckets = Array(repeating: 0, count: old.count * 2)
        mask = buckets.count - 1
        for bucket in old where bucket != 0 {
            place(bucket)
        }
    }

    /// The bits of a key's `hashValue` the table keeps, and all it needs of it: the low 32.
    static func bits(of hash: Int) -> UInt32 {
        UInt32(truncatingIfNeeded: hash)
    }
}
