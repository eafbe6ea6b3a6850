extension MemoryBackend {
    /// Which entry a bounded ``MemoryBackend`` evicts when a new key arrives at its bound.
    public struct EvictionPolicy: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Sendable, Hashable {
            case lru
            case tinyLFU
        }

        let kind: Kind

        /// Window TinyLFU, the default: a new key enters a small window of recent keys, and leaves it
        /// for the main area only if it was used more often, lately, than the entry it would push
        /// out (counted in a compact frequency sketch). Keeps popular keys through scans and loops
        /// that flush an LRU cache; Caffeine's policy.
        public static let tinyLFU = EvictionPolicy(kind: .tinyLFU)

        /// Least recently used: every read moves its entry to the front, and the entry at the back
        /// is evicted. Predictable, and loses to ``tinyLFU`` on skewed and scanning workloads.
        public static let lru = EvictionPolicy(kind: .lru)

        /// `tinyLFU` or `lru`.
        public var description: String {
            switch kind {
            case .lru: "lru"
            case .tinyLFU: "tinyLFU"
            }
        }
    }
}
