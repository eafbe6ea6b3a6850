import DogpileCacheTesting
import Testing

@testable import DogpileCache

/// ``KeyIndex`` against a dictionary, with hashes drawn from a few values so that keys share
/// buckets and runs wrap around the table's end.
@Suite struct KeyIndexTests {
    @Test(arguments: [3, 64, 1 << 40])
    func randomInsertsAndRemovalsAgreeWithADictionary(distinctHashes: Int) {
        var index = KeyIndex()
        var model: [Int: Int] = [:]  // slot -> hash
        var random = SplitMix64(seed: UInt64(distinctHashes))
        // A hash's low 32 bits are what the table keeps; vary the high ones too.
        func hash(of slot: Int) -> Int {
            Int(truncatingIfNeeded: UInt64(slot % distinctHashes) &* 0x9E37_79B9_7F4A_7C15)
        }
        for _ in 0..<20_000 {
            let slot = Int(random.next() % 500)
            if model[slot] == nil, random.next() % 3 != 0 {
                index.insert(hash: hash(of: slot), slot: slot)
                model[slot] = hash(of: slot)
            } else if model[slot] != nil {
                index.remove(hash: hash(of: slot), slot: slot)
                model[slot] = nil
            }
            #expect(index.count == model.count)
            let probe = Int(random.next() % 500)
            let found = index.slot(hash: hash(of: probe)) { $0 == probe }
            #expect(found == (model[probe] == nil ? nil : probe), "slot \(probe)")
        }
        for (slot, hash) in model {
            #expect(index.slot(hash: hash) { $0 == slot } == slot)
        }
    }

    @Test func theCallerDecidesWhichOfTheSlotsSharingAHashIsTheKey() {
        var index = KeyIndex()
        for slot in 0..<10 {
            index.insert(hash: 42, slot: slot)
        }
        #expect(index.slot(hash: 42) { $0 == 7 } == 7)
        #expect(index.slot(hash: 42) { _ in false } == nil)
        #expect(index.slot(hash: 43) { _ in true } == nil)
        index.remove(hash: 42, slot: 3)
        #expect(index.slot(hash: 42) { $0 == 3 } == nil)
        #expect(index.slot(hash: 42) { $0 == 9 } == 9)
        #expect(index.count == 9)
    }
}
