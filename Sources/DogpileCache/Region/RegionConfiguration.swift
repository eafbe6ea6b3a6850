/// What ``CacheRegion/configure(backend:expirationTime:wrap:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:serializer:policy:localCache:localExpirationTime:invalidationCheckInterval:)``
/// set: immutable, so every operation reads one consistent snapshot with a single atomic load.
@usableFromInline
final class RegionConfiguration: Sendable {
    let backend: any AsyncCacheBackend
    /// The region's key mangler, else the backend's.
    let keyMangler: KeyMangler?
    let expiration: CacheExpiration
    let invalidation: any RegionInvalidationStrategy
    let backgroundRefresh: Bool
    /// The region's creation policy, which a call's own replaces.
    let policy: CreationPolicy
    let backendErrors: BackendErrorPolicy
    /// Encodes values for a backend that stores bytes.
    let serializer: any CacheSerializer
    /// Whether the backend stores bytes, so values are written and read as ``ValueRecord``s.
    let storesBytes: Bool
    /// The in-process storage beneath the backend that reads may use without an async call, when
    /// every proxy on the way passes reads through.
    let synchronousReads: (any SynchronousCacheStorage)?
    /// The same for writes of created values.
    let synchronousWrites: (any SynchronousCacheStorage)?
    /// The reader of `synchronousReads`, unretained for the hit path: `synchronousReader` holds it
    /// for as long as this configuration lives (the proof is ``SynchronousReader``'s Safety comment).
    private let unretainedReader: Unmanaged<SynchronousReader>?
    private let synchronousReader: SynchronousReader?
    /// The strategy when it is the default one: called directly rather than through the existential.
    let defaultInvalidation: DefaultInvalidationStrategy?
    /// The region's invalidations by tag.
    let tagInvalidations: TagInvalidations
    /// Where the region's invalidations are shared with the other processes of the backend, when it
    /// stores bytes; every read then reads them too, so the synchronous hit path is off.
    let records: InvalidationRecords?
    /// The memory store in front of the backend, if the region has one.
    let localTier: LocalTier?

    init(
        regionName: String,
        backend: any AsyncCacheBackend,
        keyMangler: KeyMangler?,
        expiration: CacheExpiration,
        invalidation: any RegionInvalidationStrategy,
        backgroundRefresh: Bool,
        policy: CreationPolicy,
        backendErrors: BackendErrorPolicy,
        serializer: any CacheSerializer,
        tagInvalidations: TagInvalidations,
        local: (store: MemoryBackend, expiration: Double, checkInterval: Double)?
    ) {
        self.backend = backend
        self.keyMangler = keyMangler ?? backend.keyMangler
        self.expiration = expiration
        self.invalidation = invalidation
        self.backgroundRefresh = backgroundRefresh
        self.policy = policy
        self.backendErrors = backendErrors
        self.serializer = serializer
        self.storesBytes = backend.storesBytes
        let keyMangler = self.keyMangler
        let records = backend.storesBytes ? InvalidationRecords(regionName: regionName) { keyMangler?($0) ?? $0 } : nil
        self.records = records
        let reads = DogpileCache.synchronousStorage(beneath: backend, for: .reads)
        self.synchronousReads = reads
        self.synchronousReader = records == nil ? reads.map { SynchronousReader.reading($0) } : nil
        self.unretainedReader = synchronousReader.map(Unmanaged.passUnretained)
        self.synchronousWrites = DogpileCache.synchronousStorage(beneath: backend, for: .writes)
        self.defaultInvalidation = invalidation as? DefaultInvalidationStrategy
        self.tagInvalidations = tagInvalidations
        self.localTier = local.map { LocalTier(store: $0.store, expiration: $0.expiration, checkInterval: $0.checkInterval, checksRecords: records != nil) }
    }

    /// `value` as the backend takes it under `backendKey`: a value record when it stores bytes.
    ///
    /// - Throws: `serializationFailed` when the value cannot be encoded.
    func encoded(_ value: CachedValue, for backendKey: String) throws -> CachedValue {
        guard storesBytes else { return value }
        var record = try value.box.record(creationTime: value.creationTime, serializer: serializer)
        record.creationTime = value.creationTime
        record.expirationTime = value.expirationTime
        record.tags = value.tags
        record.keyCheck = ValueRecord.keyCheck(of: backendKey)
        return CachedValue(typed: record.bytes, creationTime: value.creationTime)
    }

    /// The value stored under `key` (before mangling) when reads are synchronous, or the local tier
    /// may serve it, and the value is fresh; `nil` otherwise. The region's hit path, called with the configuration borrowed.
    ///
    /// - Throws: `invalidConfiguration` for a bad `expirationTime` or `policy`.
    @inline(__always)
    func freshSynchronousValue(
        _ key: String,
        expirationTime: CacheExpiration?,
        policy: CreationPolicy?,
        clock: any CacheClock
    ) throws -> CachedValue? {
        let stored: CachedValue?
        /// The time the local tier was read at, which judges its value too: one clock read.
        let localNow: Double?
        if let localTier {
            let now = clock.coarseNow()
            localNow = now
            // Judged below like any value; one that is not fresh is read from the shared backend.
            stored = keyMangler.map { localTier.value(for: $0(key), now: now) } ?? localTier.value(for: key, now: now)
        } else {
            localNow = nil
            guard let unretainedReader else { return nil }
            // The key is not copied through `mangle(_:)`: a retain and a release cost a tenth of a
            // hit. Never a byte-storing backend's records: those are read with the invalidation records.
            stored = unretainedReader._withUnsafeGuaranteedRef { reader in
                if let keyMangler {
                    reader.storedValue(for: keyMangler(key))
                } else {
                    reader.storedValue(for: key)
                }
            }
        }
        guard let stored else { return nil }
        let expiration = try expirationTime?.validated() ?? self.expiration
        // Two calls rather than one on `policy ?? self.policy`: that one expression measured 0.86x to
        // 0.9x on the region hit (HitProfile region, against this form).
        guard let policy else {
            // The common case, the region's policy, checked when it was configured.
            return freshness(of: stored, key: mangle(key), expiration: expiration, policy: self.policy, now: localNow ?? clock.coarseNow(), local: localNow != nil) == .fresh ? stored : nil
        }
        guard freshness(of: stored, key: mangle(key), expiration: expiration, policy: try policy.validated(), now: localNow ?? clock.coarseNow(), local: localNow != nil) == .fresh else {
            return nil
        }
        return stored
    }

    /// The local tier's value under `backendKey`, when it may serve it at `now` and it is fresh by
    /// `expiration` and `policy`; otherwise `nil`, and the read goes to the shared backend, which
    /// may hold a newer value than the local tier's stale one.
    func freshLocalValue(_ backendKey: String, expiration: CacheExpiration, policy: CreationPolicy, now: Double) -> CachedValue? {
        guard let value = localTier?.value(for: backendKey, now: now),
            freshness(of: value, key: backendKey, expiration: expiration, policy: policy, now: now, local: true).isFresh
        else { return nil }
        return value
    }

    /// What `stored`, read from a byte-storing backend under `backendKey`, holds: the value of its
    /// record, when it is a record of this format version written under this key.
    func reading(_ stored: CachedValue, backendKey: String) -> RecordReading {
        guard let bytes = stored.payload as? [UInt8], let record = ValueRecord(bytes: bytes) else { return .notARecord }
        guard record.keyCheck == ValueRecord.keyCheck(of: backendKey) else { return .recordOfAnotherKey }
        return .value(CachedValue(record: record, serializer: serializer))
    }

    /// The key as the backend sees it.
    func mangle(_ key: String) -> String {
        keyMangler?(key) ?? key
    }

    /// How the invalidation strategy judges a value created at `creationTime`.
    func invalidation(ofValueCreatedAt creationTime: Double) -> ValueInvalidation {
        defaultInvalidation?.invalidation(ofValueCreatedAt: creationTime)
            ?? invalidation.invalidation(ofValueCreatedAt: creationTime)
    }

    /// How the region's invalidation and those of `value`'s tags affect it: the harder of the two.
    /// A value without tags reads no tag. A `local` tier's copy whose tag records are due for a read
    /// counts as invalidated hard: it was read before the records told of a tag invalidation, and
    /// the shared read that replaces it reads them (see ``LocalTier``).
    func invalidation(of value: CachedValue, local: Bool) -> ValueInvalidation {
        let byRegion = invalidation(ofValueCreatedAt: value.creationTime)
        guard byRegion != .hard, let tags = value.box.attributes?.tags, !tags.isEmpty else { return byRegion }
        let byTags = tagInvalidations.invalidation(of: tags, createdAt: value.creationTime, unreadAsHard: local && records != nil)
        return byTags == .none ? byRegion : byTags
    }

    /// Judges `value`, stored under `backendKey`, at `now` against its own expiration
    /// (``CachedValue/expirationTime``), else `expiration`, extended by `policy`'s jitter, and the
    /// invalidation strategy; a fresh value past `policy`'s eager-refresh point is
    /// ``Freshness/freshDueForRefresh``. `now` is read only when the value can expire, and the key
    /// only when the value is older than its unextended expiration. `local`: the value is the local
    /// tier's copy (``invalidation(of:local:)``).
    func freshness(
        of value: CachedValue,
        key backendKey: @autoclosure () -> String,
        expiration: CacheExpiration,
        policy: CreationPolicy,
        now: @autoclosure () -> Double,
        local: Bool = false
    ) -> Freshness {
        guard value.version == CachedValue.currentVersion else { return .unusable }
        switch invalidation(of: value, local: local) {
        case .hard:
            return .unusable
        case .soft:
            return .stale
        case .none:
            if let seconds = lifetime(of: value, expiration: expiration) {
                let age = now() - value.creationTime
                if age > seconds, age > seconds + policy.addedLifetime(ofKey: backendKey(), createdAt: value.creationTime) {
                    return .stale
                }
                if let fraction = policy.eagerRefresh, age > fraction * seconds {
                    return .freshDueForRefresh
                }
            }
            return .fresh
        }
    }
}

extension RegionConfiguration {
    /// How long `value` stays fresh, in seconds, before jitter: its own expiration, else
    /// `expiration`; `nil` when it never expires.
    func lifetime(of value: CachedValue, expiration: CacheExpiration) -> Double? {
        (value.expirationTime ?? expiration).seconds
    }
}

/// What a value read from a byte-storing backend holds.
enum RecordReading {
    /// The value of a record written under the key it was read under.
    case value(CachedValue)
    /// Bytes that are not a value record of this format version: garbled, truncated, or written by
    /// another release.
    case notARecord
    /// A valid record written under another key: someone else's value.
    case recordOfAnotherKey
}

/// How a stored value can be used.
@usableFromInline
enum Freshness: Sendable {
    /// Younger than the expiration and not invalidated.
    case fresh
    /// Fresh, and older than the policy's ``CreationPolicy/eagerRefresh`` share of its expiration:
    /// served, and regenerated in the background.
    case freshDueForRefresh
    /// Expired or soft-invalidated: served while one caller regenerates it.
    case stale
    /// Hard-invalidated or of another format version: treated as missing.
    case unusable

    /// Whether the value may be served as it is.
    var isFresh: Bool {
        self == .fresh || self == .freshDueForRefresh
    }
}
