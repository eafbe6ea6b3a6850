/// Doubly linked lists of a store's slots, from most to least recently used, in arrays indexed by
/// slot: a slot is in at most one list, and moving it costs no allocation.
///
/// The eviction policies keep their queues here: LRU one list, W-TinyLFU a window, a probation and a
/// protected list.
struct AccessOrderLists {
    /// A list's number, `0..<listCount`.
    typealias List = Int

    private static let none: Int32 = -1
    private var next: [Int32] = []
    private var previous: [Int32] = []
    /// The list each slot is in, or -1.
    private var membership: [Int8] = []
    private var heads: [Int32]
    private var tails: [Int32]
    /// How many slots each list holds.
    private(set) var counts: [Int]

    /// `listCount` empty lists.
    init(listCount: Int) {
        heads = Array(repeating: Self.none, count: listCount)
        tails = Array(repeating: Self.none, count: listCount)
        counts = Array(repeating: 0, count: listCount)
    }

    /// The list `slot` is in, or `nil`.
    func list(of slot: Int) -> List? {
        slot < membership.count && membership[slot] >= 0 ? Int(membership[slot]) : nil
    }

    /// The least recently used slot of `list`, or `nil` when it is empty.
    func last(of list: List) -> Int? {
        tails[list] == Self.none ? nil : Int(tails[list])
    }

    /// Puts `slot`, which is in no list, at the front of `list`.
    mutating func pushFront(_ slot: Int, to list: List) {
        while membership.count <= slot {
            next.append(Self.none)
            previous.append(Self.none)
            membership.append(-1)
        }
        precondition(membership[slot] < 0, "slot \(slot) is already in a list")
        let head = heads[list]
        next[slot] = head
        previous[slot] = Self.none
        if head != Self.none {
            previous[Int(head)] = Int32(slot)
        } else {
            tails[list] = Int32(slot)
        }
        heads[list] = Int32(slot)
        membership[slot] = Int8(list)
        counts[list] += 1
    }

    /// Takes `slot` out of its list.
    mutating func remove(_ slot: Int) {
        guard let list = list(of: slot) else { return }
        let before = previous[slot]
        let after = next[slot]
        if before != Self.none { next[Int(before)] = after } else { heads[list] = after }
        if after != Self.none { previous[Int(after)] = before } else { tails[list] = before }
        membership[slot] = -1
        counts[list] -= 1
    }

    /// Moves `slot` to the front of `list` (its own or another).
    mutating func moveToFront(_ slot: Int, of list: List) {
        if self.list(of: slot) == list, heads[list] == Int32(slot) { return }
        remove(slot)
        pushFront(slot, to: list)
    }

    /// The slots of `list`, most recently used first (for tests).
    func slots(of list: List) -> [Int] {
        var result: [Int] = []
        var current = heads[list]
        while current != Self.none {
            result.append(Int(current))
            current = next[Int(current)]
        }
        return result
    }
}
