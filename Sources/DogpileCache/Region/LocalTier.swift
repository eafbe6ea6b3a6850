import Synchronization

/// A region's local tier: a memory store in front of its shared backend, holding the values this
/// process read from or wrote to the shared backend (see <doc:LocalTier>).
///
/// A value is served from here only while both hold:
/// - it was stored here less than ``expiration`` ago, which bounds how long this process serves a
///   value another process has replaced;
/// - when the shared backend keeps ``InvalidationRecords``, a read of them started less than
///   ``checkInterval`` ago, so that this process serves no value invalidated by another process
///   longer ago than that. Every read of the shared backend reads the records, so a local read that
///   finds them too old reads the shared backend instead, which refreshes both.
///
/// The region judges what is served here as it judges what the shared backend returns: expiration
/// by the value's creation time, invalidations, tags; and a copy whose tag records are due for a read
/// (``TagInvalidations/tagsToRead(of:createdAt:)``) is not served, so that the shared read learns
/// them (``RegionConfiguration/invalidation(of:local:)``). Without that, a process that reads the
/// shared backend often, and so keeps its records fresh, would serve a hot local value whose tag
/// another process invalidated until ``expiration``.
final class LocalTier: Sendable {
    /// What the store holds under a key.
    struct Entry: Sendable {
        /// The value as the shared backend's reads return it, decoded.
        let value: CachedValue
        /// When it was stored here (region clock).
        let storedAt: Double
    }

    /// The store; it belongs to the region.
    let store: MemoryBackend
    /// How long a value is served from here after it was stored here, in seconds; infinite for as
    /// long as the store keeps it.
    let expiration: Double
    /// How long a read of the invalidation records is trusted, in seconds.
    let checkInterval: Double
    /// Whether the shared backend keeps invalidation records (it stores bytes).
    private let checksRecords: Bool
    /// When the latest read of the records that has completed started (region clock), as the bit
    /// pattern of the `Double`: atomic, because every local hit loads it.
    private let recordsReadAt = Atomic<UInt64>((-Double.infinity).bitPattern)

    init(store: MemoryBackend, expiration: Double, checkInterval: Double, checksRecords: Bool) {
        self.store = store
        self.expiration = expiration
        self.checkInterval = checkInterval
        self.checksRecords = checksRecords
    }

    /// The value stored here under `backendKey` that may be served at `now`, or `nil`.
    func value(for backendKey: String, now: Double) -> CachedValue? {
        guard let entry = store.storedValue(for: backendKey)?.payload(as: Entry.self),
            now - entry.storedAt < expiration, recordsAreFresh(at: now)
        else { return nil }
        return entry.value
    }

    /// Whether the latest read of the invalidation records started less than ``checkInterval`` ago.
    private func recordsAreFresh(at now: Double) -> Bool {
        guard checksRecords else { return true }
        return now - Double(bitPattern: recordsReadAt.load(ordering: .relaxed)) < checkInterval
    }

    /// Notes a read of the invalidation records, started at `time`, that has completed.
    func recordsRead(startedAt time: Double) {
        var current = recordsReadAt.load(ordering: .relaxed)
        while Double(bitPattern: current) < time {
            let (exchanged, original) = recordsReadAt.compareExchange(expected: current, desired: time.bitPattern, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Stores what the shared backend holds under each key, as of `now`: a value, or `nil` for none
    /// (which removes the key here).
    func update(_ entries: [(key: String, value: CachedValue?)], at now: Double) async {
        var stored: [(key: String, value: CachedValue)] = []
        var removed: [String] = []
        for (key, value) in entries {
            if let value {
                stored.append((key, CachedValue(typed: Entry(value: value, storedAt: now), creationTime: value.creationTime)))
            } else {
                removed.append(key)
            }
        }
        // A memory store without a weigher cannot fail; one whose weigher rejects an entry keeps
        // nothing under its key, which is a local miss.
        try? store.storeValues(stored)
        if !removed.isEmpty {
            try? await store.deleteMulti(removed)
        }
    }

    /// Removes `keys` here.
    func remove(_ keys: [String]) async {
        try? await store.deleteMulti(keys)
    }
}
