import Testing

@testable import DogpileCache

/// The eviction policies' value types, driven synchronously: the sketch's counting and halving, the
/// slot lists, LRU order, and W-TinyLFU's window, admission and promotion.
@Suite struct EvictionPolicyTests {
    @Test func sketchCountsUpToFifteenAndNeverUnderestimates() {
        var sketch = FrequencySketch(capacity: 64)
        let hashes: [UInt32] = (1...40).map { UInt32($0) &* 0x9E37_79B9 }
        for (index, hash) in hashes.enumerated() {
            for _ in 0..<(index % 7) { sketch.increment(hash) }
        }
        for (index, hash) in hashes.enumerated() {
            #expect(sketch.frequency(of: hash) >= index % 7)
        }
        let hot: UInt32 = 0xDEAD_BEEF
        for _ in 0..<100 { sketch.increment(hot) }
        #expect(sketch.frequency(of: hot) == FrequencySketch.maximumCount)
    }

    @Test func sketchRarelyCountsAKeyItNeverSaw() {
        // 1,000 keys counted once in a sketch for 1,000: a key it never saw shares all four of its
        // counters (in one block of eight words) with counted keys only by rare chance.
        var sketch = FrequencySketch(capacity: 1_000)
        for key in UInt32(0)..<1_000 { sketch.increment(key &* 0x9E37_79B9) }
        let unseen = (UInt32(1_000)..<3_000).filter { sketch.frequency(of: $0 &* 0x9E37_79B9) > 0 }
        #expect(unseen.count < 100, "\(unseen.count) of 2,000 unseen keys have a count")
        #expect((UInt32(0)..<1_000).allSatisfy { sketch.frequency(of: $0 &* 0x9E37_79B9) >= 1 })
    }

    @Test func sketchHalvesEveryCounterAfterItsSampleSize() {
        var sketch = FrequencySketch(capacity: 2)
        #expect(sketch.sampleSize == 2 * FrequencySketch.sampleMultiplier)
        let hot: UInt32 = 12_345
        for _ in 0..<12 { sketch.increment(hot) }
        #expect(sketch.frequency(of: hot) == 12)
        let additionsBefore = sketch.additions
        sketch.halve()
        #expect(sketch.frequency(of: hot) == 6)
        #expect(sketch.additions == additionsBefore / 2)
        // Reaching the sample size halves by itself: distinct keys keep adding until it does.
        var key: UInt32 = 1
        while sketch.additions > 0, sketch.additions < sketch.sampleSize - 1 {
            sketch.increment(key &* 0x27D4_EB4F)
            key += 1
        }
        let hotBefore = sketch.frequency(of: hot)
        sketch.increment(key &* 0x27D4_EB4F)
        #expect(sketch.additions < sketch.sampleSize / 2 + 1)
        #expect(sketch.frequency(of: hot) <= hotBefore / 2 + 1)
    }

    @Test func listsMoveSlotsBetweenThemInOrder() {
        var lists = AccessOrderLists(listCount: 2)
        for slot in [3, 1, 4] { lists.pushFront(slot, to: 0) }
        #expect(lists.slots(of: 0) == [4, 1, 3])
        #expect(lists.last(of: 0) == 3)
        lists.moveToFront(3, of: 0)
        #expect(lists.slots(of: 0) == [3, 4, 1])
        lists.moveToFront(4, of: 1)
        #expect(lists.slots(of: 0) == [3, 1])
        #expect(lists.slots(of: 1) == [4])
        #expect(lists.list(of: 4) == 1)
        lists.remove(1)
        lists.remove(1)
        #expect(lists.slots(of: 0) == [3])
        #expect(lists.counts == [1, 1])
        #expect(lists.list(of: 1) == nil)
        #expect(lists.last(of: 1) == 4)
        lists.remove(4)
        #expect(lists.last(of: 1) == nil)
    }

    @Test func lruEvictsTheLeastRecentlyUsed() {
        var lru = LRUEviction()
        #expect(lru.insert(0, capacity: 3) == nil)
        #expect(lru.insert(1, capacity: 3) == nil)
        #expect(lru.insert(2, capacity: 3) == nil)
        lru.recordRead(0)
        #expect(lru.insert(3, capacity: 3) == 1)
        #expect(lru.slotsInOrder == [3, 0, 2])
        lru.recordRemoval(0)
        #expect(lru.insert(4, capacity: 3) == nil)
        #expect(lru.insert(5, capacity: 3) == 2)
        #expect(lru.count == 3)
    }

    @Test func tinyLFUKeepsAFrequentKeyAgainstAScan() {
        // 100 entries: a window of 1, a main area of 99 (79 protected).
        var policy = TinyLFUEviction(capacity: 100)
        #expect(policy.windowCapacity == 1)
        #expect(policy.protectedCapacity == 79)
        let hashes = (0..<600).map { UInt32($0 + 1) &* 0x9E37_79B9 }
        for slot in 0..<100 {
            #expect(policy.insert(slot, hashes: hashes) == nil)
        }
        #expect(policy.count == 100)
        // Slots 0..<10 are read often: they move to the protected part.
        for _ in 0..<5 {
            for slot in 0..<10 { policy.recordRead(slot, hash: hashes[slot]) }
        }
        #expect(Set(policy.parts.protected).isSuperset(of: 0..<10))
        // A scan of 500 new keys, each seen once: every one is refused or evicts another newcomer,
        // never a frequent key.
        var evicted = Set<Int>()
        for slot in 100..<600 {
            if let victim = policy.insert(slot, hashes: hashes) {
                evicted.insert(victim)
            }
            #expect(policy.count <= 100)
        }
        #expect(evicted.isDisjoint(with: 0..<10))
        #expect(policy.count == 100)
    }

    @Test func tinyLFUPromotesFromProbationAndDemotesTheProtectedOverflow() {
        var policy = TinyLFUEviction(capacity: 10)  // window 1, protected 7
        let hashes = (0..<10).map { UInt32($0) &+ 1 }
        for slot in 0..<10 {
            _ = policy.insert(slot, hashes: hashes)
        }
        #expect(policy.parts.window == [9])
        #expect(policy.parts.probation.count == 9)
        for slot in 0..<8 { policy.recordRead(slot, hash: hashes[slot]) }
        #expect(policy.parts.protected.count == 7)
        #expect(policy.parts.protected.first == 7)
        #expect(policy.parts.probation.first == 0, "the protected part's least recent went back to probation")
        policy.recordRead(9, hash: hashes[9])
        #expect(policy.parts.window == [9])
        policy.recordRemoval(3)
        #expect(policy.count == 9)
        #expect(!policy.parts.protected.contains(3))
    }
}

extension LRUEviction {
    /// An insert as a store of `capacity` entries makes it: the slot evicted, if it is then over.
    fileprivate mutating func insert(_ slot: Int, capacity: Int) -> Int? {
        recordInsert(slot)
        return count > capacity ? evict() : nil
    }
}

extension TinyLFUEviction {
    /// An insert as a store bounded by the policy's capacity makes it, `hashes` holding each
    /// slot's hash bits: the slot evicted, if any.
    fileprivate mutating func insert(_ slot: Int, hashes: [UInt32]) -> Int? {
        recordInsert(slot, hash: hashes[slot])
        return count > fixedCapacity! ? evict(hashes: hashes) : nil
    }
}
