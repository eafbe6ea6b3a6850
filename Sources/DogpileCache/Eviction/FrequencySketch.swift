/// How often keys were used recently, estimated in a fixed amount of memory: a count-min sketch of
/// 4-bit counters whose counts are halved periodically, so that it forgets old popularity (the
/// admission filter of W-TinyLFU, as in Caffeine's `FrequencySketch`).
///
/// Each key's hash picks one counter in each of four rows; its frequency is the smallest of the
/// four, which never underestimates how often the key was counted since the last halving (up to the
/// counters' maximum of 15) and overestimates only where other keys share all four counters. After
/// ``sampleMultiplier`` × capacity counted uses, every counter is halved.
struct FrequencySketch {
    /// 16 counters of 4 bits per word; `table.count` is a power of two.
    private var table: [UInt64]
    private let wordMask: Int
    /// Counted uses since the last halving.
    private(set) var additions = 0
    /// The number of counted uses after which every counter is halved.
    let sampleSize: Int
    /// The number of entries the sketch was sized for.
    let capacity: Int

    /// The largest value a counter holds.
    static let maximumCount = 15
    /// Counted uses between halvings, per entry of capacity. Caffeine uses 10; on the Zipf and scan
    /// traces of the hit-ratio comparison, 10 scored 0.3 to 0.6 points below libCacheSim's W-TinyLFU
    /// at a cache of 1% of the objects, 30 scored above it at 1% and 10%, and 80 lost again as
    /// counters saturated.
    static let sampleMultiplier = 30

    /// A sketch for a cache of `capacity` entries: one word per entry, rounded up to a power of two.
    init(capacity: Int) {
        let capacity = max(1, capacity)
        self.capacity = capacity
        var words = 1
        while words < capacity { words <<= 1 }
        table = Array(repeating: 0, count: words)
        wordMask = words - 1
        sampleSize = Self.sampleMultiplier * capacity
    }

    /// The estimated number of recent uses of the key with `hash`, at most ``maximumCount``.
    func frequency(of hash: UInt64) -> Int {
        var smallest = Self.maximumCount
        for row in 0..<4 {
            let (word, shift) = position(of: hash, row: row)
            smallest = min(smallest, Int((table[word] >> shift) & 0xF))
        }
        return smallest
    }

    /// Counts a use of the key with `hash`; halves every counter once ``sampleSize`` uses are counted.
    mutating func increment(_ hash: UInt64) {
        var added = false
        for row in 0..<4 {
            let (word, shift) = position(of: hash, row: row)
            if (table[word] >> shift) & 0xF < UInt64(Self.maximumCount) {
                table[word] += 1 << shift
                added = true
            }
        }
        guard added else { return }
        additions += 1
        if additions >= sampleSize {
            halve()
        }
    }

    /// Halves every counter (and the count of additions), so that recent uses outweigh old ones.
    mutating func halve() {
        for index in table.indices {
            table[index] = (table[index] >> 1) & 0x7777_7777_7777_7777
        }
        additions /= 2
    }

    /// The word and bit offset of the key's counter in `row`: each row mixes the hash with its own
    /// odd multiplier, so that keys sharing a counter in one row rarely share it in the others.
    private func position(of hash: UInt64, row: Int) -> (word: Int, shift: UInt64) {
        let multipliers: (UInt64, UInt64, UInt64, UInt64) = (
            0x9E37_79B9_7F4A_7C15, 0xC2B2_AE3D_27D4_EB4F, 0x1656_67B1_9E37_79F9, 0xD6E8_FEB8_6659_FD93
        )
        let multiplier = switch row {
        case 0: multipliers.0
        case 1: multipliers.1
        case 2: multipliers.2
        default: multipliers.3
        }
        var mixed = (hash ^ (hash >> 31)) &* multiplier
        mixed ^= mixed >> 29
        let word = Int(truncatingIfNeeded: mixed) & wordMask
        let counter = mixed >> 60  // 0...15, from bits the word index does not use
        return (word, counter << 2)
    }
}
