/// The common miss: one key, missing, asked for outside any creator, created without the batch
/// machinery of ``CacheRegion/outcomes(of:)``, which costs as much again as the creation itself.
extension CacheRegion {
    /// Registers a flight for the missing `key`, starts its creation, and returns the flight to
    /// wait on. Returns `nil`, having changed nothing, when the caller must go through
    /// ``outcomes(of:)`` instead:
    /// - the caller is a creator (its waits are checked for cycles there);
    /// - the backend has a cross-process mutex for the key;
    /// - a flight for the key is running (it must be judged against the invalidation strategy
    ///   before it is joined);
    /// - a creation finished since the caller read the backend (the key must be read again).
    nonisolated func startSingleCreation<Value: Sendable>(
        key: String,
        backendKey: String,
        flightsSeen: UInt64,
        configuration: RegionConfiguration,
        shouldCache: (@Sendable (Value) -> Bool)?,
        creator: @escaping @Sendable () async throws -> Value
    ) -> CacheFlight? {
        guard CacheFlight.creating.isEmpty, configuration.backend.mutex(for: backendKey) == nil else { return nil }
        let flight = CacheFlight(startTime: clock.now())
        let registered = flightTable.withLock { table in
            guard table.flights[backendKey] == nil, finishedFlights.load(ordering: .acquiring) == flightsSeen else {
                return false
            }
            table.flights[backendKey] = flight
            return true
        }
        guard registered else { return nil }
        counters.misses.increment()
        logger.debug("no value present for key", metadata: ["key": "\(key)"])
        startCreation(of: [flight]) { [self] in
            // One async call, the creator's, on the way: each costs a switch of executor here.
            let result: Result<any Sendable, any Error>
            do {
                counters.creations.increment()
                let started = ContinuousClock.now
                let value = try await creator()
                logger.debug(
                    "value generated",
                    metadata: ["keys": "\(key.prefix(300))", "seconds": "\((ContinuousClock.now - started).seconds)"]
                )
                if shouldCache?(value) ?? true {
                    let stored = CachedValue(typed: value, creationTime: flight.startTime)
                    if let memory = configuration.memoryBackend {
                        memory._withUnsafeGuaranteedRef { $0.storeValue(stored, for: backendKey) }
                    } else {
                        try await store([(backendKey, stored)], configuration: configuration)
                    }
                }
                result = .success(value)
            } catch {
                logger.debug("creation failed", metadata: ["key": "\(key)", "error": "\(error)"])
                result = .failure(error)
            }
            finish(flight, backendKey: backendKey, result: result)
        }
        return flight
    }
}
