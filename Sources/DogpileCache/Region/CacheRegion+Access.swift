/// Plain reads and writes: no lock, no creation.
extension CacheRegion {
    /// The fresh value cached under `key`, or `nil` when it is missing, stale, invalidated, of another
    /// format version or not a `Value`.
    ///
    /// - Parameters:
    ///   - key: The key, before the region's key mangler.
    ///   - type: The value's type, when Swift cannot infer it.
    ///   - expirationTime: Overrides the region's expiration for this read.
    ///   - ignoreExpiration: Returns whatever is stored, skipping the expiration and invalidation checks.
    public nonisolated(nonsending) func get<Value: Sendable>(
        _ key: String,
        as type: Value.Type = Value.self,
        expirationTime: CacheExpiration? = nil,
        ignoreExpiration: Bool = false
    ) async throws -> Value? {
        try await valueMetadata(key, as: type, expirationTime: expirationTime, ignoreExpiration: ignoreExpiration)?.payload
    }

    /// The fresh values cached under `keys`, in order, read with one backend call; `nil` where a value
    /// is missing, stale, invalidated or not a `Value`.
    public nonisolated(nonsending) func getMulti<Value: Sendable>(
        _ keys: [String],
        as type: Value.Type = Value.self,
        expirationTime: CacheExpiration? = nil,
        ignoreExpiration: Bool = false
    ) async throws -> [Value?] {
        let configuration = try self.configuration()
        guard !keys.isEmpty else { return [] }
        let expiration = try (expirationTime ?? configuration.expiration).validated()
        let backendKeys = keys.map(configuration.mangle)
        let stored = try await readMulti(backendKeys, configuration: configuration, expiration: expiration, policy: configuration.policy)
        let now = clock.coarseNow()
        return zip(stored, backendKeys).map { value, backendKey in
            usablePayload(value, key: backendKey, as: type, expiration: expiration, ignoreExpiration: ignoreExpiration, now: now, configuration: configuration)
        }
    }

    /// The value cached under `key` with its creation time and age, or `nil` when it is missing,
    /// stale, invalidated or not a `Value` (dogpile's `get_value_metadata`).
    public nonisolated(nonsending) func valueMetadata<Value: Sendable>(
        _ key: String,
        as type: Value.Type = Value.self,
        expirationTime: CacheExpiration? = nil,
        ignoreExpiration: Bool = false
    ) async throws -> CacheValueMetadata<Value>? {
        let configuration = try self.configuration()
        let expiration = try (expirationTime ?? configuration.expiration).validated()
        let backendKey = configuration.mangle(key)
        guard let stored = try await read(backendKey, configuration: configuration, expiration: expiration, policy: configuration.policy) else {
            counters.misses.increment()
            return nil
        }
        let now = clock.now()
        guard let payload = usablePayload(stored, key: backendKey, as: type, expiration: expiration, ignoreExpiration: ignoreExpiration, now: now, configuration: configuration) else {
            return nil
        }
        return CacheValueMetadata(payload: payload, creationTime: stored.creationTime, age: stored.age(at: now))
    }

    /// Stores `value` under `key`, stamped with the current time, replacing what was there.
    ///
    /// Explicit writes always throw backend errors, whatever the ``BackendErrorPolicy``: a caller
    /// that writes needs to know the write failed.
    ///
    /// - Parameters:
    ///   - key: The key, as for every operation of the region.
    ///   - value: The value to store.
    ///   - tags: Stored with the value: ``invalidate(tag:hard:)`` reaches every value carrying the
    ///     tag. None by default.
    /// - Throws: `invalidTag` for an empty tag, one over 250 UTF-8 bytes or more than 64 tags;
    ///   `serializationFailed`; the backend's errors.
    public nonisolated(nonsending) func set<Value: Sendable>(_ key: String, _ value: Value, tags: [String] = []) async throws {
        let configuration = try self.configuration()
        let backendKey = configuration.mangle(key)
        var created = CachedValue(typed: value, creationTime: clock.now())
        if !tags.isEmpty {
            created.tags = try TagInvalidations.validated(tags)
        }
        let stored = try configuration.encoded(created, for: backendKey)
        do {
            try await configuration.backend.set(backendKey, stored)
            await configuration.localTier?.update([(backendKey, created)], at: created.creationTime)
        } catch {
            // What the backend holds now is unknown: the local tier holds nothing.
            await configuration.localTier?.remove([backendKey])
            try handleBackendError(error, operation: .set, key: backendKey, configuration: configuration, always: true)
        }
    }

    /// Stores every value with one backend call, all stamped with the same time.
    ///
    /// - Parameters:
    ///   - values: The values, by key.
    ///   - tags: Stored with every value, as in ``set(_:_:tags:)``. None by default.
    /// - Throws: `invalidTag`, `serializationFailed`, the backend's errors.
    public nonisolated(nonsending) func setMulti<Value: Sendable>(_ values: [String: Value], tags: [String] = []) async throws {
        let tags = try TagInvalidations.validated(tags)
        try await setMulti(values) { _ in tags }
    }

    /// ``setMulti(_:tags:)`` with each value's tags from its key: `tagsOfKey` returns them checked
    /// (``TagInvalidations/validated(_:)``).
    nonisolated(nonsending) func setMulti<Value: Sendable>(
        _ values: [String: Value],
        tagsOfKey: (String) throws -> [String]
    ) async throws {
        let configuration = try self.configuration()
        guard !values.isEmpty else { return }
        let now = clock.now()
        let entries = try values.map {
            let backendKey = configuration.mangle($0.key)
            var value = CachedValue(typed: $0.value, creationTime: now)
            let tags = try tagsOfKey($0.key)
            if !tags.isEmpty {
                value.tags = tags
            }
            return (key: backendKey, created: value, stored: try configuration.encoded(value, for: backendKey))
        }
        do {
            try await configuration.backend.setMulti(entries.map { ($0.key, $0.stored) })
            await configuration.localTier?.update(entries.map { ($0.key, $0.created) }, at: now)
        } catch {
            await configuration.localTier?.remove(entries.map(\.key))
            try handleBackendError(error, operation: .setMulti, key: entries.map(\.key).joined(separator: " "), configuration: configuration, always: true)
        }
    }

    /// Removes the value under `key`. Removing a missing key is not an error.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        let configuration = try self.configuration()
        let backendKey = configuration.mangle(key)
        // The local tier's copy goes after the backend's, failed or not, so that no read in
        // between keeps the value there.
        do {
            try await configuration.backend.delete(backendKey)
            await configuration.localTier?.remove([backendKey])
        } catch {
            await configuration.localTier?.remove([backendKey])
            try handleBackendError(error, operation: .delete, key: backendKey, configuration: configuration, always: true)
        }
    }

    /// Removes the values under `keys` with one backend call.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        let configuration = try self.configuration()
        guard !keys.isEmpty else { return }
        let backendKeys = keys.map(configuration.mangle)
        do {
            try await configuration.backend.deleteMulti(backendKeys)
            await configuration.localTier?.remove(backendKeys)
        } catch {
            await configuration.localTier?.remove(backendKeys)
            try handleBackendError(error, operation: .deleteMulti, key: backendKeys.joined(separator: " "), configuration: configuration, always: true)
        }
    }

    /// The payload of `stored`, read under `backendKey`, if it is a fresh `Value` (or any `Value`
    /// with `ignoreExpiration`), counting the read as a hit or a miss.
    private nonisolated func usablePayload<Value: Sendable>(
        _ stored: CachedValue?,
        key backendKey: String,
        as type: Value.Type,
        expiration: CacheExpiration,
        ignoreExpiration: Bool,
        now: Double,
        configuration: RegionConfiguration
    ) -> Value? {
        guard let stored, stored.version == CachedValue.currentVersion, let payload = payload(of: stored, backendKey: backendKey, as: Value.self),
            ignoreExpiration || configuration.freshness(of: stored, key: backendKey, expiration: expiration, policy: configuration.policy, now: now).isFresh
        else {
            counters.misses.increment()
            return nil
        }
        recordHit()
        return payload
    }
}
