extension MemoryBackend {
    /// A value that left a ``MemoryBackend``, as reported to ``Configuration/onEviction``.
    public struct Eviction: Sendable {
        /// The key the value was stored under.
        public let key: String
        /// The value that left the store.
        public let value: CachedValue
        /// Why it left.
        public let cause: Cause

        /// Why a value left a ``MemoryBackend``.
        public struct Cause: Sendable, Hashable, CustomStringConvertible {
            enum Kind: Sendable, Hashable {
                case size
                case weight
                case replaced
                case explicit
            }

            let kind: Kind

            /// Evicted to keep the store within ``Configuration/maxEntries``.
            public static let size = Cause(kind: .size)
            /// Evicted to keep the store within ``Configuration/maxWeight``, or never kept because
            /// it alone weighs more than a shard holds.
            public static let weight = Cause(kind: .weight)
            /// Replaced by a new value stored under the same key.
            public static let replaced = Cause(kind: .replaced)
            /// Deleted by a call to `delete` or `deleteMulti`.
            public static let explicit = Cause(kind: .explicit)

            /// Whether the store chose to drop the value to stay within a bound (``size`` or
            /// ``weight``), rather than being told to.
            public var isEviction: Bool {
                kind == .size || kind == .weight
            }

            /// `size`, `weight`, `replaced` or `explicit`.
            public var description: String {
                switch kind {
                case .size: "size"
                case .weight: "weight"
                case .replaced: "replaced"
                case .explicit: "explicit"
                }
            }
        }
    }
}

/// The values one store operation removed, handed out after the store's lock is released: to the
/// eviction listener if there is one, and released there in any case (a payload's `deinit` may call
/// back into the store). Holds one removal without allocating, the common case.
struct RemovedValues {
    private var first: MemoryBackend.Eviction?
    private var rest: [MemoryBackend.Eviction] = []

    /// No removal yet.
    init() {}

    /// Records that `value` left the store from under `key`, for `cause`.
    mutating func append(key: String, value: CachedValue, cause: MemoryBackend.Eviction.Cause) {
        let removal = MemoryBackend.Eviction(key: key, value: value, cause: cause)
        if first == nil {
            first = removal
        } else {
            rest.append(removal)
        }
    }

    /// The removals in the order they happened.
    var all: [MemoryBackend.Eviction] {
        (first.map { [$0] } ?? []) + rest
    }

    /// Whether nothing was removed.
    var isEmpty: Bool {
        first == nil
    }

    /// Calls `body` with each removal, in order.
    func forEach(_ body: (MemoryBackend.Eviction) -> Void) {
        guard let first else { return }
        body(first)
        rest.forEach(body)
    }
}
