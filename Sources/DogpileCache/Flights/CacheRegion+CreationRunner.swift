import Logging
import Tracing

/// The one creation runner: every creation, of one key or many, for a miss or a stale value, runs here.
extension CacheRegion {
    /// Creates the values of `flights` and ends them: takes the backend's mutexes if it has any (in
    /// key order, so that two processes cannot deadlock), reads the keys again when another creation
    /// may have stored them since the caller's read, calls the creator once with the keys still
    /// needed, stores the values `shouldCache` keeps, releases the mutexes, then removes the flights
    /// from the table and hands each its result: for a key whose creation failed while the caller
    /// holds a fail-safe value, that value (fail-safe, which starts the key's throttle).
    ///
    /// - Parameters:
    ///   - staleValues: The stale value the caller read for each flight's key, or an empty array when
    ///     it read none; served when another process holds the key's mutex, if the policy serves
    ///     stale values, and in place of a failed creation, if it is a fail-safe value.
    ///   - mustReread: Whether a creation finished since the caller's read.
    nonisolated(nonsending) func run(
        _ creation: Creation,
        flights: [CacheFlight],
        staleValues: [StaleValue?],
        mustReread: Bool
    ) async {
        let configuration = creation.configuration
        var results = [FlightResult?](repeating: nil, count: flights.count)
        var held: [any CacheMutex] = []
        do {
            let mutexes = mutexes(for: flights, configuration: configuration)
            for (index, mutex) in mutexes {
                let stale = staleValues.isEmpty ? nil : staleValues[index].flatMap { $0.isServed ? $0.box : nil }
                do {
                    if try await mutex.acquire(wait: stale == nil) {
                        held.append(mutex)
                        endStreak("lock wait", "the backend's lock is taken again within its wait timeout")
                    } else if let stale {
                        // Another process is regenerating this stale value: serve it instead.
                        counters.staleServed.increment()
                        results[index] = .success(stale)
                    } else {
                        counters.lockWaitsTimedOut.increment()
                        warn(
                            streak: "lock wait",
                            "gave up waiting for the backend's lock on a key another process holds; creating the value without the lock",
                            metadata: ["key": "\(flights[index].key)"]
                        )
                    }
                } catch {
                    try handleBackendError(error, operation: .mutexAcquire, key: flights[index].backendKey, configuration: configuration)
                }
            }
            if mustReread || !mutexes.isEmpty {
                try await rereadFresh(flights, into: &results, creation: creation)
            }
            try await create(flights, into: &results, creation: creation)
        } catch {
            for index in flights.indices where results[index] == nil {
                results[index] = .failure(error)
            }
        }
        for mutex in held {
            do {
                try await mutex.release()
                endStreak("lock release", "the backend's locks are released again")
            } catch {
                counters.countBackendError(.mutexRelease)
                warn(
                    streak: "lock release",
                    "a backend lock was not released; other processes wait for it until the backend releases it or it expires",
                    metadata: ["error": "\(error)"]
                )
            }
        }
        var failedSafe: Set<String> = []
        for (index, flight) in flights.enumerated() {
            guard case .failure(let error)? = results[index] else { continue }
            if Self.failSafeCovers(error), let stale = staleValues.isEmpty ? nil : staleValues[index], stale.isFailSafe {
                creation.logger.debug("creation failed; serving the fail-safe value", metadata: ["key": "\(flight.key)", "error": "\(error)"])
                counters.failSafeServed.increment()
                results[index] = .success(stale.box)
                failedSafe.insert(flight.backendKey)
            } else {
                creation.logger.debug("creation failed", metadata: ["key": "\(flight.key)", "error": "\(error)"])
            }
        }
        finish(flights, results: results, failedSafe: failedSafe, throttle: creation.policy.failSafeThrottleSeconds)
    }

    /// Whether a fail-safe value may stand in for a creation that failed with `error`: for any error
    /// but a creator's answer that it has no value for the key (`valueNotCreated`).
    private static func failSafeCovers(_ error: any Error) -> Bool {
        (error as? CacheError)?.code != .valueNotCreated
    }

    /// The backend's cross-process mutexes for the flights' keys, by flight index, in key order.
    private nonisolated func mutexes(
        for flights: [CacheFlight],
        configuration: RegionConfiguration
    ) -> [(index: Int, mutex: any CacheMutex)] {
        var mutexes: [(index: Int, mutex: any CacheMutex)] = []
        for index in flights.indices {
            if let mutex = configuration.backend.mutex(for: flights[index].backendKey) {
                mutexes.append((index, mutex))
            }
        }
        if mutexes.count > 1 {
            mutexes.sort { flights[$0.index].backendKey < flights[$1.index].backendKey }
        }
        return mutexes
    }

    /// Reads the keys without a result again, and takes the values now fresh as their results.
    @inline(__always)
    private nonisolated(nonsending) func rereadFresh(
        _ flights: [CacheFlight],
        into results: inout [FlightResult?],
        creation: Creation
    ) async throws {
        let needed = flights.indices.filter { results[$0] == nil }
        guard !needed.isEmpty else { return }
        let configuration = creation.configuration
        let stored = try await readMulti(
            needed.map { flights[$0].backendKey }, configuration: configuration, expiration: creation.expiration, policy: creation.policy
        )
        let now = clock.coarseNow()
        for (index, value) in zip(needed, stored) {
            if let value, let payload = creation.payload(of: value),
                configuration.freshness(of: value, key: flights[index].backendKey, expiration: creation.expiration, policy: creation.policy, now: now).isFresh
            {
                results[index] = .success(payload)
            }
        }
    }

    /// Calls the creator once for the flights without a result, checks the count, stores the values
    /// `shouldCache` keeps, and takes the values (or `valueNotCreated`) as the results.
    @inline(__always)
    private nonisolated(nonsending) func create(
        _ flights: [CacheFlight],
        into results: inout [FlightResult?],
        creation: Creation
    ) async throws {
        if creation.createsOneKey {
            // The common miss, one key: without the arrays of the general case.
            precondition(flights.count == 1, "a creator of one key runs for one flight")
            guard case nil = results[0] else { return }
            let flight = flights[0]
            let created = try await observedCreation(keyCount: 1, keys: [flight.key], logger: creation.logger) {
                try await creation.createOne(key: flight.key)
            }
            if created.isStored {
                try await store(flight.backendKey, CachedValue(box: created.box, creationTime: flight.startTime), configuration: creation.configuration)
            }
            results[0] = .success(created.box)
            return
        }
        let needed = flights.indices.filter { results[$0] == nil }
        guard !needed.isEmpty else { return }
        let keys = needed.map { flights[$0].key }
        let values = try await observedCreation(keyCount: keys.count, keys: keys, logger: creation.logger) {
            try await creation.create(keys)
        }
        guard values.count == needed.count else {
            throw CacheError(
                .creatorResultCountMismatch,
                "the creator returned \(values.count) values for \(needed.count) keys; it must return one value per key, in order"
            )
        }
        var entries: [(key: String, value: CachedValue)] = []
        for (index, created) in zip(needed, values) {
            if let created, created.isStored {
                entries.append((flights[index].backendKey, CachedValue(box: created.box, creationTime: flights[index].startTime)))
            }
        }
        // A store failure that propagates fails every key created here.
        try await store(entries, configuration: creation.configuration)
        for (index, created) in zip(needed, values) {
            if let created {
                results[index] = .success(created.box)
            } else {
                results[index] = .failure(CacheError(.valueNotCreated, "the creator returned no value for key '\(flights[index].key)'"))
            }
        }
    }

    /// Calls `creator`, one creator call for `keyCount` keys, `keys`, as every creation is seen:
    /// counted in ``CacheStatistics/creations``, reported as `cache.creations` and
    /// `cache.creation.duration`, traced in a `cache.create` span (a child of the span of the caller
    /// that started the creation) when an instrument is bootstrapped, and logged ("value generated")
    /// when it succeeds. The region's hits so far are reported to their metric first
    /// (``ConfigurationSlot/reportHits()``). `keys` is evaluated only for the span and the log line.
    private nonisolated(nonsending) func observedCreation<Created>(
        keyCount: Int,
        keys: @autoclosure () -> [String],
        logger: Logger,
        _ creator: () async throws -> Created
    ) async throws -> Created {
        counters.creations.increment()
        slot.reportHits()
        let metrics = counters.metrics
        let started = ContinuousClock.now
        return try await withOptionalSpan("cache.create") { span in
            if let span {
                span.attributes["cache.region"] = name
                span.attributes["cache.keys.count"] = keyCount
                if includesKeysInSpans {
                    let keys = keys()
                    if keys.count == 1 {
                        span.attributes["cache.key"] = keys[0]
                    } else {
                        span.attributes["cache.keys"] = keys
                    }
                }
            }
            do {
                let created = try await creator()
                let elapsed = ContinuousClock.now - started
                metrics.creationDuration.recordNanoseconds(elapsed.nanoseconds)
                metrics.creationSuccesses.increment()
                span?.attributes["cache.outcome"] = "success"
                logger.debug("value generated", metadata: ["keys": "\(Self.keyList(keys()))", "seconds": "\(elapsed.seconds)"])
                return created
            } catch {
                metrics.creationDuration.recordNanoseconds((ContinuousClock.now - started).nanoseconds)
                metrics.creationFailures.increment()
                span?.attributes["cache.outcome"] = "failure"
                throw error
            }
        }
    }

    /// `keys` joined by spaces for a log line; a list longer than 300 characters keeps its first and
    /// last 150, with the number of characters cut in between.
    static func keyList(_ keys: [String]) -> String {
        let joined = keys.joined(separator: " ")
        guard joined.count > 300 else { return joined }
        return "\(joined.prefix(150)) …(\(joined.count - 300) characters)… \(joined.suffix(150))"
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in whole nanoseconds (of a measured time: 292 years would overflow).
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
