/// How often keys were used recently, estimated in a fixed amount of memory: a count-min sketch of
/// 4-bit counters whose counts are halved periodically, so that it forgets old popularity (the
/// admission filter of W-TinyLFU, as in Caffeine's `FrequencySketch`).
///
/// Each key's hash picks one block of eight words, a cache line, and in it one counter in each of
/// four rows (a row is two words); its frequency is the smallest of the four, which never
/// underestimates how often the key was counted since the last halving (up to the counters'
/// maximum of 15) and overestimates only where other keys share all four counters. Keeping a key's
/// counters in one cache line costs a hit one memory access instead of four. After
/// ``sampleMultiplier`` × capacity counted uses, every counter is halved.
struct FrequencySketch {
    /// 16 counters of 4 bits per word, 8 words per block; `table.count` is a power of two.
    private var table: [UInt64]
    private let blockMask: Int
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

    /// A sketch for a cache of `capacity` entries: one word per entry, rounded up to a power of two
    /// of at least one block.
    init(capacity: Int) {
        let capacity = max(1, capacity)
        self.capacity = capacity
        var words = 8
        while words < capacity { words <<= 1 }
        table = Array(repeating: 0, count: words)
        blockMask = words / 8 - 1
        sampleSize = Self.sampleMultiplier * capacity
    }

    /// The estimated number of recent uses of the key with `hash`, at most ``maximumCount``.
    func frequency(of hash: UInt32) -> Int {
        let (block, selectors) = Self.spread(hash, blockMask: blockMask)
        var smallest = UInt64(Self.maximumCount)
        for row in 0..<4 {
            let (word, shift) = Self.counter(row: row, block: block, selectors: selectors)
            smallest = min(smallest, (table[word] >> shift) & 0xF)
        }
        return Int(smallest)
    }

    /// Counts a use of the key with `hash`; halves every counter once ``sampleSize`` uses are counted.
    mutating func increment(_ hash: UInt32) {
        let (block, selectors) = Self.spread(hash, blockMask: blockMask)
        var added = false
        for row in 0..<4 {
            let (word, shift) = Self.counter(row: row, block: block, selectors: selectors)
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

    /// The first word of the key's block, and 32 bits that pick its counters, from one mix of its
    /// hash (SplitMix64's finalizer): the block from the low bits, the counters from the high ones.
    @inline(__always)
    private static func spread(_ hash: UInt32, blockMask: Int) -> (block: Int, selectors: UInt64) {
        var mixed = UInt64(hash)
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        mixed ^= mixed >> 31
        return ((Int(truncatingIfNeeded: mixed) & blockMask) << 3, mixed >> 32)
    }

    /// The word and bit offset of the counter in `row` (0..<4): one of the row's two words of the
    /// block, and one of its 16 counters, by 5 bits of `selectors` of the row's own.
    @inline(__always)
    private static func counter(row: Int, block: Int, selectors: UInt64) -> (word: Int, shift: UInt64) {
        let bits = selectors >> UInt64(row * 8)
        return (block + row * 2 + Int(bits & 1), ((bits >> 1) & 0xF) << 2)
    }
}
