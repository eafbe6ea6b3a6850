import CoreMetrics
import Logging
import Synchronization

/// A cache region: a backend, an expiration policy and the dogpile lock that makes concurrent
/// callers of one missing key share a single creation.
///
/// Build a region at start-up and configure it later, or do both at once:
///
/// ```swift
/// let region = CacheRegion(name: "users")
/// try await region.configure(backend: MemoryBackend(), expirationTime: .minutes(5))
/// let user = try await region.getOrCreate("user:42") { try await db.loadUser(42) }
/// ```
///
/// Every operation runs on its caller's executor and none enters the actor's isolation, which only
/// serializes reconfiguration (`configure` and `wrap`): fresh values are read without a lock on the
/// region, and who creates a missing or stale value is decided by the region's flight table, behind
/// a lock of its own. See <doc:DogpileSemantics>.
public actor CacheRegion {
    /// The region's label, for logs and configuration; the region itself does not use it.
    public nonisolated let name: String
    /// The function applied to every key before it reaches the backend, if any. When `nil`, the
    /// backend's own ``AsyncCacheBackend/keyMangler`` applies.
    public nonisolated let keyMangler: KeyMangler?
    /// The clock that stamps and ages values.
    public nonisolated let clock: any CacheClock
    /// The logger for debug lines about misses, stale values, creations and backend errors.
    public nonisolated let logger: Logger
    /// Builds the keys of this region's cached functions (those not given a generator of their own).
    public nonisolated let functionKeyGenerator: FunctionKeyGenerator
    /// The cached functions made for each identity, to catch two functions sharing keys.
    nonisolated let functionRegistrations = LockedValue<[CachedFunctionIdentity: [FunctionRegistration]]>([:])

    /// The configuration in force, read by every operation; replaced only on the actor.
    nonisolated let slot: ConfigurationSlot
    /// The invalidation strategy until one is configured.
    private nonisolated let defaultInvalidation: DefaultInvalidationStrategy
    nonisolated let counters: RegionCounters
    /// The invalidations of tags (``invalidate(tag:hard:)``), kept across reconfigurations.
    nonisolated let tagInvalidations = TagInvalidations()
    /// Whether the spans of creations carry their keys (`cache.key`, `cache.keys`).
    public nonisolated let includesKeysInSpans: Bool
    /// Which warnings have been logged, so that a failure that repeats is logged once.
    nonisolated let warnings = WarningThrottle()
    /// ``FlightTable/generation``, published under the table's lock after each change.
    nonisolated let publishedGeneration = Atomic<UInt64>(0)
    /// Creations in progress and who waits on whom; see ``FlightTable``.
    nonisolated let flightTable = LockedValue(FlightTable())

    /// Creates an unconfigured region. Configure it with
    /// ``configure(backend:expirationTime:wrap:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:serializer:policy:localCache:localExpirationTime:invalidationCheckInterval:)``
    /// before use; until then operations throw `regionNotConfigured`.
    ///
    /// - Parameters:
    ///   - name: A label for logs and configuration, and the `region` dimension of its metrics and
    ///     the `cache.region` attribute of its spans.
    ///   - keyMangler: Applied to every key before it reaches the backend.
    ///   - functionKeyGenerator: Builds the keys of cached functions; see ``FunctionKeyGenerator``.
    ///   - clock: The wall clock for creation times and ages; inject `ManualCacheClock` in tests.
    ///   - logger: Receives debug lines; its label defaults to `dogpile.cache`.
    ///   - metricsFactory: Makes the region's metrics (see <doc:Observability>), once, here;
    ///     `nil` (the default) uses the factory `MetricsSystem` is bootstrapped with by now.
    ///   - includesKeysInSpans: Whether the spans of creations carry their keys. `false` by
    ///     default: keys can hold personal data.
    public init(
        name: String = "default",
        keyMangler: KeyMangler? = nil,
        functionKeyGenerator: FunctionKeyGenerator = .default,
        clock: any CacheClock = SystemCacheClock(),
        logger: Logger = Logger(label: "dogpile.cache"),
        metricsFactory: (any MetricsFactory)? = nil,
        includesKeysInSpans: Bool = false
    ) {
        self.name = name
        self.keyMangler = keyMangler
        self.functionKeyGenerator = functionKeyGenerator
        self.clock = clock
        self.logger = logger
        self.defaultInvalidation = DefaultInvalidationStrategy()
        self.counters = RegionCounters(metrics: RegionMetrics(region: name, factory: metricsFactory ?? MetricsSystem.factory))
        self.slot = ConfigurationSlot(hitMetric: counters.metrics.hits)
        self.includesKeysInSpans = includesKeysInSpans
    }

    /// Creates a region and configures it in one step; the parameters are those of ``init(name:keyMangler:functionKeyGenerator:clock:logger:metricsFactory:includesKeysInSpans:)``
    /// and ``configure(backend:expirationTime:wrap:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:serializer:policy:localCache:localExpirationTime:invalidationCheckInterval:)``.
    ///
    /// - Throws: `invalidConfiguration` when `expirationTime` is negative or not finite, or a proxy is a
    ///   class.
    public init(
        name: String = "default",
        backend: some AsyncCacheBackend,
        expirationTime: CacheExpiration = .never,
        wrap proxies: [any ProxyBackend] = [],
        keyMangler: KeyMangler? = nil,
        functionKeyGenerator: FunctionKeyGenerator = .default,
        clock: any CacheClock = SystemCacheClock(),
        logger: Logger = Logger(label: "dogpile.cache"),
        metricsFactory: (any MetricsFactory)? = nil,
        includesKeysInSpans: Bool = false,
        invalidationStrategy: (any RegionInvalidationStrategy)? = nil,
        backgroundRefresh: Bool = false,
        backendErrors: BackendErrorPolicy = .failOpen,
        serializer: any CacheSerializer = JSONCacheSerializer(),
        policy: CreationPolicy = CreationPolicy()
    ) throws {
        let defaultInvalidation = DefaultInvalidationStrategy()
        let configuration = RegionConfiguration(
            regionName: name,
            backend: try DogpileCache.wrap(backend, in: proxies),
            keyMangler: keyMangler,
            expiration: try expirationTime.validated(),
            invalidation: invalidationStrategy ?? defaultInvalidation,
            backgroundRefresh: backgroundRefresh,
            policy: try policy.validated(),
            backendErrors: backendErrors,
            serializer: serializer,
            tagInvalidations: tagInvalidations,
            local: nil
        )
        self.name = name
        self.keyMangler = keyMangler
        self.functionKeyGenerator = functionKeyGenerator
        self.clock = clock
        self.logger = logger
        self.defaultInvalidation = defaultInvalidation
        self.counters = RegionCounters(metrics: RegionMetrics(region: name, factory: metricsFactory ?? MetricsSystem.factory))
        self.slot = ConfigurationSlot(hitMetric: counters.metrics.hits)
        self.includesKeysInSpans = includesKeysInSpans
        slot.replace(with: configuration)
    }

    /// Gives the region its backend and policies.
    ///
    /// - Parameters:
    ///   - backend: Where values live.
    ///   - expirationTime: How long values stay fresh; `.never` by default.
    ///   - proxies: Proxies to put in front of the backend, the first outermost:
    ///     region → `proxies[0]` → `proxies[1]` → … → `backend`.
    ///   - replaceExistingBackend: Must be `true` to configure an already configured region.
    ///     Operations in progress finish with the settings they started with; the replaced backend is
    ///     released when the last of them ends.
    ///   - invalidationStrategy: Replaces the region's strategy; by default the region keeps the one it
    ///     has (its own ``DefaultInvalidationStrategy`` until one is given).
    ///   - backgroundRefresh: When `true`, the caller that starts regenerating a stale value is also
    ///     given the stale value at once, and the new value is stored when ready (dogpile's
    ///     `async_creation_runner`). Missing values are still awaited.
    ///   - backendErrors: ``BackendErrorPolicy/failOpen`` (default) or ``BackendErrorPolicy/propagate``.
    ///   - serializer: Encodes values for a backend that stores bytes; JSON through `Codable` by default.
    ///     `[UInt8]` and `String` values are stored as they are.
    ///   - policy: The region's ``CreationPolicy``, which a call's `policy:` replaces; by default one
    ///     that changes nothing.
    ///   - localCache: A memory store in front of `backend`, for the region alone (see
    ///     <doc:LocalTier>): reads try it first, and values read from or written to `backend` are
    ///     kept in it. `nil` (the default) for none.
    ///   - localExpirationTime: How long a value is served from `localCache` after it was kept
    ///     there: the longest this process serves a value another process has replaced. 10 seconds
    ///     by default; `.never` keeps it for as long as the store does.
    ///   - invalidationCheckInterval: How long a value is served from `localCache` after the region
    ///     last read `backend`'s invalidation records: the latest this process learns of another's
    ///     invalidation. 1 second by default.
    /// - Throws: `regionAlreadyConfigured`, or `invalidConfiguration` for a negative expiration, a
    ///   policy out of range, a proxy that is a class, or a `localExpirationTime` or
    ///   `invalidationCheckInterval` that is not positive.
    public func configure(
        backend: some AsyncCacheBackend,
        expirationTime: CacheExpiration = .never,
        wrap proxies: [any ProxyBackend] = [],
        replaceExistingBackend: Bool = false,
        invalidationStrategy: (any RegionInvalidationStrategy)? = nil,
        backgroundRefresh: Bool = false,
        backendErrors: BackendErrorPolicy = .failOpen,
        serializer: any CacheSerializer = JSONCacheSerializer(),
        policy: CreationPolicy = CreationPolicy(),
        localCache: MemoryBackend? = nil,
        localExpirationTime: CacheExpiration = .seconds(10),
        invalidationCheckInterval: CacheExpiration = .seconds(1)
    ) throws {
        let expiration = try expirationTime.validated()
        let policy = try policy.validated()
        let local = try localCache.map { store in
            (store: store, expiration: try Self.positiveSeconds(localExpirationTime, "localExpirationTime"),
             checkInterval: try Self.positiveSeconds(invalidationCheckInterval, "invalidationCheckInterval"))
        }
        let previous = slot.load()
        if let previous, !replaceExistingBackend {
            throw CacheError(
                .regionAlreadyConfigured,
                "region '\(name)' is already configured with backend \(type(of: previous.backend)); pass replaceExistingBackend: true to replace it"
            )
        }
        install(
            RegionConfiguration(
                regionName: name,
                backend: try DogpileCache.wrap(backend, in: proxies),
                keyMangler: keyMangler,
                expiration: expiration,
                invalidation: invalidationStrategy ?? previous?.invalidation ?? defaultInvalidation,
                backgroundRefresh: backgroundRefresh,
                policy: policy,
                backendErrors: backendErrors,
                serializer: serializer,
                tagInvalidations: tagInvalidations,
                local: local
            )
        )
    }

    /// `time` in seconds (infinite for `.never`), when it is more than zero.
    private static func positiveSeconds(_ time: CacheExpiration, _ name: String) throws -> Double {
        let seconds = try time.validated().seconds ?? .infinity
        guard seconds > 0 else {
            throw CacheError(.invalidConfiguration, "\(name) must be more than zero, got \(seconds) seconds")
        }
        return seconds
    }

    /// Makes `configuration` the one in force. Only the actor installs configurations, so a
    /// `configure` or `wrap` reads and replaces the one in force without another interleaving.
    private func install(_ configuration: RegionConfiguration) {
        slot.replace(with: configuration)
    }

    /// Whether a backend has been configured.
    public nonisolated var isConfigured: Bool {
        slot.withCurrent { _ in true } ?? false
    }

    /// The backend the region talks to.
    ///
    /// - Throws: `regionNotConfigured` before the region is configured.
    public nonisolated var backend: any AsyncCacheBackend {
        get throws { try configuration().backend }
    }

    /// The backend that stores the values, beneath every proxy the region talks through.
    ///
    /// - Throws: `regionNotConfigured` before the region is configured.
    public nonisolated var actualBackend: any AsyncCacheBackend {
        get throws { innermostBackend(of: try backend) }
    }

    /// Puts `proxy` in front of the region's backend, as the new outermost proxy.
    ///
    /// Creations in progress finish with the backend they started with.
    ///
    /// - Throws: `regionNotConfigured` before the region is configured; `invalidConfiguration` for a
    ///   proxy that is a class.
    public func wrap(_ proxy: some ProxyBackend) throws {
        let configuration = try configuration()
        install(
            RegionConfiguration(
                regionName: name,
                backend: try DogpileCache.wrap(configuration.backend, in: proxy),
                keyMangler: keyMangler,
                expiration: configuration.expiration,
                invalidation: configuration.invalidation,
                backgroundRefresh: configuration.backgroundRefresh,
                policy: configuration.policy,
                backendErrors: configuration.backendErrors,
                serializer: configuration.serializer,
                tagInvalidations: tagInvalidations,
                local: configuration.localTier.map { ($0.store, $0.expiration, $0.checkInterval) }
            )
        )
    }

    /// The region's expiration time (`.never` until configured).
    public nonisolated var expirationTime: CacheExpiration {
        (try? configuration().expiration) ?? .never
    }

    /// Counters of hits, misses, creations, stale values served, coalesced waiters and backend errors.
    public nonisolated var statistics: CacheStatistics {
        flushMetrics()
        return counters.snapshot(hits: slot.hits)
    }

    /// Reports to the region's `cache.requests` metric the hits it has not reported yet. A region
    /// reports hits in batches (see <doc:Observability>); call this before metrics are read, as in
    /// a Prometheus `/metrics` handler, for counts exact to the last hit. Reading ``statistics``
    /// does it too.
    public nonisolated func flushMetrics() {
        slot.reportHits()
    }

    /// Invalidates every value created before now, in this region: in every process that shares the
    /// backend when it stores bytes (see <doc:FleetInvalidation>), else in this one.
    ///
    /// - Parameter hard: `true` (default) makes older values misses: every caller waits for one new
    ///   value. `false` makes them stale: one caller regenerates while the others are served the old
    ///   value, even when the region has no expiration time.
    /// - Throws: What a custom ``RegionInvalidationStrategy`` throws; the backend's errors when it
    ///   cannot store the invalidation for the other processes (this one has it already).
    public nonisolated(nonsending) func invalidate(hard: Bool = true) async throws {
        let configuration = slot.load()
        let strategy = configuration?.invalidation ?? defaultInvalidation
        let now = clock.now()
        try await strategy.invalidate(hard: hard, at: now)
        if let configuration, configuration.defaultInvalidation != nil, let records = configuration.records {
            let entry = InvalidationRecords.Entry(word: InvalidationWord.make(hard: hard, at: now), writeID: .random(in: 1...UInt64.max))
            try await storeInvalidation([(records.regionKey, entry)], at: now, configuration: configuration)
        }
    }

    /// Invalidates every value carrying `tag` that was created before now, in this region: in every
    /// process that shares the backend when it stores bytes, as ``invalidate(hard:)``.
    ///
    /// - Parameters:
    ///   - tag: The tag whose values are invalidated.
    ///   - hard: `true` (default) makes those values misses; `false` makes them stale, as
    ///     ``invalidate(hard:)`` does for every value.
    /// - Throws: The backend's errors when it cannot store the invalidation for the other processes.
    public nonisolated(nonsending) func invalidate(tag: String, hard: Bool = true) async throws {
        try await invalidate(tags: [tag], hard: hard)
    }

    /// Invalidates every value carrying any of `tags` that was created before now, in this region;
    /// see ``invalidate(tag:hard:)``.
    ///
    /// - Parameters:
    ///   - tags: The tags whose values are invalidated.
    ///   - hard: `true` (default) for misses, `false` for stale values.
    /// - Throws: The backend's errors when it cannot store the invalidation for the other processes.
    public nonisolated(nonsending) func invalidate(tags: [String], hard: Bool = true) async throws {
        guard !tags.isEmpty else { return }
        let now = clock.now()
        let entry = InvalidationRecords.Entry(word: InvalidationWord.make(hard: hard, at: now), writeID: .random(in: 1...UInt64.max))
        tagInvalidations.invalidate(tags, hard: hard, at: now, writeID: entry.writeID)
        guard let configuration = slot.load(), let records = configuration.records else { return }
        // The tag records before the epoch: a process that reads the new epoch finds them.
        try await storeInvalidation(tags.map { (records.tagKey($0), entry) }, at: now, configuration: configuration)
        try await storeInvalidation([(records.tagEpochKey, entry)], at: now, configuration: configuration)
    }

    /// Stores invalidation records, `(backend key, entry)` pairs made at `time`, for the other
    /// processes; a failure always reaches the caller.
    private nonisolated(nonsending) func storeInvalidation(
        _ entries: [(key: String, entry: InvalidationRecords.Entry)],
        at time: Double,
        configuration: RegionConfiguration
    ) async throws {
        let entries = entries.map { (key: $0.key, value: InvalidationRecords.record($0.entry, at: time, for: $0.key)) }
        do {
            if entries.count == 1 {
                try await configuration.backend.set(entries[0].key, entries[0].value)
            } else {
                try await configuration.backend.setMulti(entries)
            }
            backendAnswered()
        } catch {
            try handleBackendError(error, operation: entries.count == 1 ? .set : .setMulti, key: entries.map(\.key).joined(separator: " "), configuration: configuration, always: true)
        }
    }

    /// Whether a value for `key` is being created now, by this region or, when the backend has a
    /// ``CacheMutex``, by any process.
    public nonisolated(nonsending) func isKeyLocked(_ key: String) async throws -> Bool {
        let configuration = try configuration()
        let backendKey = configuration.mangle(key)
        if flightTable.withLock({ $0.isCreating(backendKey) }) {
            return true
        }
        guard let mutex = configuration.backend.mutex(for: backendKey) else { return false }
        return try await mutex.isLocked()
    }

    // MARK: - Internals shared by the operations

    /// The configuration in force; throws `regionNotConfigured` before `configure`.
    nonisolated func configuration() throws -> RegionConfiguration {
        guard let configuration = slot.load() else {
            throw notConfiguredError()
        }
        return configuration
    }

    nonisolated func notConfiguredError() -> CacheError {
        CacheError(.regionNotConfigured, "region '\(name)' has no backend; call configure(backend:) first")
    }


    /// Counts and logs a backend failure, then rethrows it if the policy (or `always`) says so.
    /// Cancellation is always rethrown.
    nonisolated func handleBackendError(
        _ error: any Error,
        operation: BackendOperation,
        key: @autoclosure () -> String,
        configuration: RegionConfiguration,
        always: Bool = false
    ) throws {
        // A key the backend cannot hold is the caller's mistake, not an outage: failing open would
        // run the creator on every call and say nothing.
        if error is CancellationError || (error as? CacheError)?.code == .invalidKey {
            throw error
        }
        counters.countBackendError(operation)
        let propagates = always || configuration.backendErrors == .propagate
        warn(
            streak: "backend",
            propagates
                ? "backend error: the error reaches the caller; later ones are logged at debug until the backend answers again"
                : "backend error: reads are misses and writes are skipped (failing open); later ones are logged at debug until the backend answers again",
            metadata: ["operation": "\(operation)", "key": "\(key())", "error": "\(error)"]
        )
        if propagates {
            throw error
        }
    }

    /// Ends a streak of backend errors after a backend call succeeded.
    @inline(__always)
    nonisolated func backendAnswered() {
        endStreak("backend", "the backend answers again after failing")
    }

    /// `stored`, read under `backendKey`, as the region uses it: when the backend stores bytes, the
    /// value its record holds, or `nil` for bytes that are not a record of this format version
    /// (logged at debug) and for a record written under another key (counted and warned about once
    /// per key: someone else's value, found where this key's should be).
    nonisolated func decoded(_ stored: CachedValue?, backendKey: String, configuration: RegionConfiguration) -> CachedValue? {
        guard configuration.storesBytes, let stored else { return stored }
        switch configuration.reading(stored, backendKey: backendKey) {
        case .value(let value):
            return value
        case .notARecord:
            logger.debug("stored bytes are not a value record of this format version; treated as missing", metadata: ["key": "\(backendKey)"])
        case .recordOfAnotherKey:
            noteMismatchedRecord(under: backendKey, "was written under another key")
        }
        return nil
    }

    /// The payload of `stored`, read under `backendKey`, as a `Value`; `nil` when it cannot be read
    /// as one (the read goes on as a miss): a record stored as another type is counted and warned
    /// about once per key, anything else logged at debug.
    nonisolated func payload<Value: Sendable>(of stored: CachedValue, backendKey: String, as type: Value.Type) -> Value? {
        if let payload = stored.payload(as: type) {
            return payload
        }
        guard stored.box.isRecord(ofAnotherTypeThan: type) else {
            logger.debug("stored value cannot be read as \(Value.self); treated as missing", metadata: ["key": "\(backendKey)"])
            return nil
        }
        noteMismatchedRecord(under: backendKey, "was stored as another type than \(Value.self)")
        return nil
    }

    /// Counts a record found under `backendKey` that is someone else's, and warns about the first
    /// one of each key: the record `how`.
    private nonisolated func noteMismatchedRecord(under backendKey: String, _ how: @autoclosure () -> String) {
        counters.mismatchedRecords.increment()
        if warnings.isFirstWarning(about: backendKey) {
            logger.warning(
                "the record stored under this key \(how()); treated as missing (further ones for this key are not logged)",
                metadata: ["key": "\(backendKey)", "region": "\(name)"]
            )
        }
    }

    /// Reads one key, from the local tier when it holds a value fresh by `expiration` and `policy`
    /// (a value it holds that is not may be older than the shared backend's); a failure is a miss
    /// unless errors propagate.
    @inline(__always)
    nonisolated(nonsending) func read(
        _ backendKey: String,
        configuration: RegionConfiguration,
        expiration: CacheExpiration,
        policy: CreationPolicy
    ) async throws -> CachedValue? {
        if configuration.localTier != nil,
            let value = configuration.freshLocalValue(backendKey, expiration: expiration, policy: policy, now: clock.coarseNow())
        {
            return value
        }
        if configuration.localTier != nil || configuration.records != nil {
            return try await readShared([backendKey], configuration: configuration, operation: .get)[0]
        }
        if let storage = configuration.synchronousReads {
            return decoded(storage.storedValue(for: backendKey), backendKey: backendKey, configuration: configuration)
        }
        do {
            let stored = try await configuration.backend.get(backendKey)
            backendAnswered()
            return decoded(stored, backendKey: backendKey, configuration: configuration)
        } catch {
            try handleBackendError(error, operation: .get, key: backendKey, configuration: configuration)
            return nil
        }
    }

    /// Reads many keys in one backend call, those the local tier holds fresh by `expiration` and
    /// `policy` from it; a failure is all misses unless errors propagate.
    nonisolated(nonsending) func readMulti(
        _ backendKeys: [String],
        configuration: RegionConfiguration,
        expiration: CacheExpiration,
        policy: CreationPolicy
    ) async throws -> [CachedValue?] {
        guard configuration.localTier != nil else {
            return try await readShared(backendKeys, configuration: configuration, operation: .getMulti)
        }
        let now = clock.coarseNow()
        var values = backendKeys.map { configuration.freshLocalValue($0, expiration: expiration, policy: policy, now: now) }
        let missing = values.indices.filter { values[$0] == nil }
        guard !missing.isEmpty else { return values }
        let read = try await readShared(missing.map { backendKeys[$0] }, configuration: configuration, operation: .getMulti)
        for (index, value) in zip(missing, read) {
            values[index] = value
        }
        return values
    }

    /// Reads many keys from the shared backend in one call, with the invalidation records when it
    /// keeps them (``InvalidationRecords``), learning the invalidations they hold before the values
    /// are judged, and keeps what it read in the local tier; a failure is all misses unless errors
    /// propagate.
    private nonisolated(nonsending) func readShared(
        _ backendKeys: [String],
        configuration: RegionConfiguration,
        operation: BackendOperation
    ) async throws -> [CachedValue?] {
        // Only the local tier needs the time (a clock read is a tenth of a memory hit).
        let start = configuration.localTier == nil ? 0 : clock.now()
        do {
            var values: [CachedValue?]
            if let records = configuration.records {
                values = try await readWithRecords(backendKeys, records: records, configuration: configuration)
                configuration.localTier?.recordsRead(startedAt: start)
            } else {
                values = try await fetch(backendKeys, configuration: configuration)
                if configuration.storesBytes {
                    for index in values.indices {
                        values[index] = decoded(values[index], backendKey: backendKeys[index], configuration: configuration)
                    }
                }
            }
            await configuration.localTier?.update(Array(zip(backendKeys, values)), at: start)
            return values
        } catch {
            try handleBackendError(error, operation: operation, key: backendKeys.joined(separator: " "), configuration: configuration)
            return Array(repeating: nil, count: backendKeys.count)
        }
    }

    /// Reads `backendKeys` and the region's records in one call, learns the invalidations the
    /// records hold, and reads the records of the tags of values that need them.
    private nonisolated(nonsending) func readWithRecords(
        _ backendKeys: [String],
        records: InvalidationRecords,
        configuration: RegionConfiguration
    ) async throws -> [CachedValue?] {
        // Built and decoded in place: this is every hit's path, and each array costs.
        var keys: [String] = []
        keys.reserveCapacity(backendKeys.count + 2)
        keys += backendKeys
        keys.append(records.regionKey)
        keys.append(records.tagEpochKey)
        var values = try await fetch(keys, configuration: configuration)
        if let tagEpoch = InvalidationRecords.entry(of: values.removeLast(), readUnder: records.tagEpochKey) {
            configuration.tagInvalidations.learnEpoch(tagEpoch)
        }
        if let region = InvalidationRecords.entry(of: values.removeLast(), readUnder: records.regionKey) {
            configuration.defaultInvalidation?.adopt(region.word)
        }
        for index in values.indices {
            values[index] = decoded(values[index], backendKey: backendKeys[index], configuration: configuration)
        }
        let tags = tagsToRead(in: values, configuration: configuration)
        if !tags.isEmpty {
            try await readTagRecords(tags, records: records, configuration: configuration)
        }
        return values
    }

    /// The tags of `values` whose records must be read before they are judged
    /// (``TagInvalidations/tagsToRead(of:createdAt:)``), each once: usually none, so that a hit
    /// makes no second call.
    private nonisolated func tagsToRead(in values: [CachedValue?], configuration: RegionConfiguration) -> [String] {
        var tags: [String] = []
        for case let value? in values {
            let valueTags = value.tags
            if !valueTags.isEmpty {
                tags += configuration.tagInvalidations.tagsToRead(of: valueTags, createdAt: value.creationTime)
            }
        }
        guard tags.count > 1 else { return tags }
        var seen: Set<String> = []
        return tags.filter { seen.insert($0).inserted }
    }

    /// Reads the records of `tags` in one backend call, and learns them.
    private nonisolated(nonsending) func readTagRecords(
        _ tags: [String],
        records: InvalidationRecords,
        configuration: RegionConfiguration
    ) async throws {
        let generation = configuration.tagInvalidations.generation
        let keys = tags.map(records.tagKey)
        let stored = try await fetch(keys, configuration: configuration)
        let words = zip(stored, keys).map { InvalidationRecords.entry(of: $0, readUnder: $1)?.word ?? 0 }
        configuration.tagInvalidations.learn(tags, words: words, readAt: generation)
    }

    /// What the backend holds under `backendKeys`, as it stores it, in one call.
    @inline(__always)
    private nonisolated(nonsending) func fetch(_ backendKeys: [String], configuration: RegionConfiguration) async throws -> [CachedValue?] {
        let values: [CachedValue?]
        if let storage = configuration.synchronousReads {
            values = storage.storedValues(for: backendKeys)
        } else {
            values = try await configuration.backend.getMulti(backendKeys)
            backendAnswered()
        }
        guard values.count == backendKeys.count else {
            throw CacheError(.backendUnavailable, "backend returned \(values.count) values for \(backendKeys.count) keys")
        }
        return values
    }

    /// Stores created values; a failure is logged and counted unless errors propagate. A value that
    /// cannot be encoded is not stored, and warned about once per type.
    nonisolated(nonsending) func store(_ entries: [(key: String, value: CachedValue)], configuration: RegionConfiguration) async throws {
        let entries = entries.compactMap { entry in
            encoded(entry.value, for: entry.key, configuration: configuration).map { (key: entry.key, created: entry.value, stored: $0) }
        }
        guard !entries.isEmpty else { return }
        do {
            if let storage = configuration.synchronousWrites {
                try storage.storeValues(entries.map { ($0.key, $0.stored) })
            } else {
                try await configuration.backend.setMulti(entries.map { ($0.key, $0.stored) })
                backendAnswered()
            }
            await configuration.localTier?.update(entries.map { ($0.key, $0.created) }, at: clock.now())
        } catch {
            try handleBackendError(error, operation: .setMulti, key: entries.map(\.key).joined(separator: " "), configuration: configuration)
        }
    }

    /// Stores one created value, as ``store(_:configuration:)`` does many.
    @inline(__always)
    nonisolated(nonsending) func store(_ key: String, _ value: CachedValue, configuration: RegionConfiguration) async throws {
        guard let stored = encoded(value, for: key, configuration: configuration) else { return }
        do {
            if let storage = configuration.synchronousWrites {
                try storage.storeValue(stored, for: key)
            } else {
                try await configuration.backend.set(key, stored)
                backendAnswered()
            }
            await configuration.localTier?.update([(key, value)], at: clock.now())
        } catch {
            try handleBackendError(error, operation: .set, key: key, configuration: configuration)
        }
    }

    /// A created `value` as the backend takes it under `backendKey`, or `nil` when it cannot be
    /// encoded: the creation still returns it (a value that cannot be stored fails open like a write
    /// that fails), and the first such value of each type is warned about.
    @inline(__always)
    private nonisolated func encoded(_ value: CachedValue, for backendKey: String, configuration: RegionConfiguration) -> CachedValue? {
        do {
            return try configuration.encoded(value, for: backendKey)
        } catch {
            let type = String(reflecting: Swift.type(of: value.payload))
            if warnings.isFirstWarning(about: "encoding \(type)") {
                logger.warning(
                    "a created value cannot be encoded, so it is returned but not stored; every value of this type misses (further ones are not logged)",
                    metadata: ["type": "\(type)", "key": "\(backendKey)", "region": "\(name)", "error": "\(error)"]
                )
            } else {
                logger.debug("a created value cannot be encoded; returned, not stored", metadata: ["type": "\(type)", "key": "\(backendKey)"])
            }
            return nil
        }
    }
}
