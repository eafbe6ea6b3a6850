#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import CoreMetrics

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension MemoryBackend {
    /// How a ``MemoryBackend`` is bounded and split.
    ///
    /// The default is unbounded, like dogpile.cache's `memory` backend. Set ``maxEntries``,
    /// ``maxWeight`` or both to bound it: when a store operation takes it over a bound, entries are
    /// evicted by ``evictionPolicy`` until it is within both again.
    ///
    /// ```swift
    /// var configuration = MemoryBackend.Configuration(maxEntries: 100_000)
    /// configuration.maxWeight = 64 << 20  // about 64 MiB of keys and payloads
    /// let backend = try MemoryBackend(configuration: configuration)
    /// ```
    public struct Configuration: Sendable {
        /// The most entries the store holds, or `nil` (the default) for no bound on their number.
        public var maxEntries: Int?
        /// The most total weight the store holds, by ``weigher``, or `nil` (the default) for no
        /// bound on weight.
        public var maxWeight: Int?
        /// The weight of an entry, called with its key and value before the value is stored (outside
        /// the store's lock) when ``maxWeight`` is set; must not be negative. Defaults to
        /// ``estimatedWeight(key:value:)``.
        public var weigher: @Sendable (String, CachedValue) -> Int
        /// Which entries go first at a bound. Defaults to ``EvictionPolicy/tinyLFU``.
        public var evictionPolicy: EvictionPolicy
        /// How many parts the store is split into, by a hash of the key. Each part has its own lock
        /// and its own policy, and holds its share of the bounds (their sum is exactly the bound), so
        /// threads using different keys rarely wait for one another. Defaults to
        /// ``defaultShardCount``; a bounded store uses at most one part per entry of ``maxEntries``.
        ///
        /// An entry heavier than its part's share of ``maxWeight`` is never kept.
        public var shardCount: Int
        /// Called with every value that leaves the store: evicted at a bound, replaced by a new value,
        /// or deleted; once per value. It runs on the thread that changed the store, after the
        /// store's lock is released, so it may use the store; keep it short. `nil` by default.
        public var onEviction: (@Sendable (Eviction) -> Void)?
        /// The store's name: the `backend` dimension of its `cache.evictions` metric (see
        /// <doc:Observability>). `"memory"` by default.
        public var name: String
        /// Makes the store's metrics, once, when the store is created; `nil` (the default) uses the
        /// factory `MetricsSystem` is bootstrapped with by then.
        public var metricsFactory: (any MetricsFactory)?

        /// An unbounded store, or one bounded by `maxEntries` and `maxWeight`, evicting by
        /// `evictionPolicy`.
        public init(maxEntries: Int? = nil, maxWeight: Int? = nil, evictionPolicy: EvictionPolicy = .tinyLFU) {
            self.maxEntries = maxEntries
            self.maxWeight = maxWeight
            self.weigher = Self.estimatedWeight(key:value:)
            self.evictionPolicy = evictionPolicy
            self.shardCount = Self.defaultShardCount
            self.onEviction = nil
            self.name = "memory"
            self.metricsFactory = nil
        }

        /// A configuration read by name, as configuration by name gives it to the `memory`
        /// backend's factory (`cache.users.arguments.max_entries = 10000`). Every argument is
        /// optional:
        ///
        /// - `max_entries` (whole number, at least 1): ``maxEntries``.
        /// - `max_weight` (whole number, at least 1): ``maxWeight``, by the default ``weigher``.
        /// - `eviction_policy` (`tiny_lfu` or `lru`): ``evictionPolicy``.
        /// - `shard_count` (whole number, 1 to 4096): ``shardCount``.
        /// - `name` (text): ``name``.
        ///
        /// - Throws: `invalidConfiguration` naming the argument whose value cannot be used.
        public init(arguments: BackendArguments) throws {
            self.init()
            switch try arguments.string("eviction_policy") {
            case nil, "tiny_lfu": evictionPolicy = .tinyLFU
            case "lru": evictionPolicy = .lru
            case let other?: throw arguments.invalid("eviction_policy", other, "tiny_lfu or lru")
            }
            /// The integer argument `name`, which must be in `range`.
            func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
                guard let value = try arguments.integer(name) else { return nil }
                guard range.contains(value) else {
                    let bounds = range.upperBound == .max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
                    throw arguments.invalid(name, value, bounds)
                }
                return value
            }
            maxEntries = try integer("max_entries", in: 1...Int.max)
            maxWeight = try integer("max_weight", in: 1...Int.max)
            shardCount = try integer("shard_count", in: Self.shardCountRange) ?? shardCount
            name = try arguments.string("name") ?? name
        }

        /// Four parts per processor the system has online, so that threads on different keys rarely
        /// share a lock.
        public static var defaultShardCount: Int {
            4 * max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        }

        /// The default ``weigher``: about the bytes an entry's key and payload take. The key counts
        /// its UTF-8 bytes; a `String` payload its UTF-8 bytes, a `[UInt8]` or `Data` payload its
        /// count; any other payload its type's inline size (`MemoryLayout`), not what it refers to.
        /// The store's own bookkeeping per entry is not counted.
        public static func estimatedWeight(key: String, value: CachedValue) -> Int {
            key.utf8.count + payloadWeight(value)
        }

        private static func payloadWeight(_ value: CachedValue) -> Int {
            if let entry = value.payload(as: LocalTier.Entry.self) {
                // A region's local tier keeps each value with the time it kept it: weigh the value.
                return payloadWeight(entry.value)
            }
            if let string = value.payload(as: String.self) {
                return string.utf8.count
            }
            if let bytes = value.payload(as: [UInt8].self) {
                return bytes.count
            }
            if let data = value.payload(as: Data.self) {
                return data.count
            }
            func inlineSize<Payload>(_ payload: Payload) -> Int { MemoryLayout<Payload>.size }
            return _openExistential(value.payload, do: inlineSize)
        }

        /// Throws `invalidConfiguration` naming the first setting out of range.
        func validate() throws {
            if let maxEntries, maxEntries < 1 {
                throw CacheError(.invalidConfiguration, "MemoryBackend maxEntries must be at least 1, got \(maxEntries)")
            }
            if let maxWeight, maxWeight < 1 {
                throw CacheError(.invalidConfiguration, "MemoryBackend maxWeight must be at least 1, got \(maxWeight)")
            }
            guard Self.shardCountRange.contains(shardCount) else {
                throw CacheError(
                    .invalidConfiguration,
                    "MemoryBackend shardCount must be between 1 and \(Self.shardCountRange.upperBound), got \(shardCount)"
                )
            }
        }

        /// The shard counts a configuration may ask for.
        static let shardCountRange = 1...4096

        /// The number of parts the store is made of: ``shardCount``, but no more than `maxEntries`
        /// or `maxWeight`, so that every part holds something.
        var effectiveShardCount: Int {
            min(shardCount, maxEntries ?? .max, maxWeight ?? .max)
        }
    }
}
