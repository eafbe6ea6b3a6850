import Logging

/// The in-flight map: who creates a missing or stale value, and who waits for it.
extension CacheRegion {
    /// A key that was missing or stale when read.
    struct PendingKey<Value: Sendable>: Sendable {
        var key: String
        var backendKey: String
        /// The stale value read, or `nil` when the key was missing or unusable.
        var stale: Value?
    }

    /// Keys read together by one caller, and how to create them.
    struct CreationBatch<Value: Sendable>: Sendable {
        var pending: [PendingKey<Value>]
        /// ``CacheRegion/finishedFlights`` before the caller's backend read.
        var flightsSeen: UInt64
        var configuration: RegionConfiguration
        var expiration: CacheExpiration
        var shouldCache: (@Sendable (Value) -> Bool)?
        /// Creates values for the given keys, in order.
        var create: @Sendable ([String]) async throws -> [Value]
    }

    /// What a caller does for one key after consulting the in-flight map.
    enum FlightOutcome<Value: Sendable>: Sendable {
        /// Return this value now: a stale value served while its regeneration runs.
        case value(Value)
        /// Wait for this flight's result.
        case wait(CacheFlight)
    }

    /// For each pending key: joins the flight already creating it, serves its stale value, or
    /// registers a new flight; then starts one task creating all the new flights' keys.
    ///
    /// Synchronous on the actor, so looking up and registering flights cannot interleave with
    /// another caller. Returns one outcome per pending key, in order.
    func joinOrStartFlights<Value: Sendable>(_ batch: CreationBatch<Value>) throws -> [FlightOutcome<Value>] {
        for key in batch.pending where key.stale == nil {
            if let flight = flights[key.backendKey], flight.isCreatedByCurrentTask {
                throw CacheError(
                    .recursiveCreation,
                    "the creator for key '\(key.key)' asked for the same key; it would wait on itself forever"
                )
            }
        }
        var outcomes: [FlightOutcome<Value>] = []
        outcomes.reserveCapacity(batch.pending.count)
        var started: [StartedFlight<Value>] = []
        for key in batch.pending {
            if key.stale == nil {
                counters.misses.increment()
                logger.debug("no value present for key", metadata: ["key": "\(key.key)"])
            }
            if let flight = flights[key.backendKey] {
                if let stale = key.stale {
                    serveStale(key, reason: "another caller is regenerating it")
                    outcomes.append(.value(stale))
                } else {
                    counters.coalescedWaiters.increment()
                    outcomes.append(.wait(flight))
                }
                continue
            }
            let flight = CacheFlight()
            flights[key.backendKey] = flight
            started.append(StartedFlight(key: key, flight: flight))
            if let stale = key.stale, batch.configuration.backgroundRefresh {
                serveStale(key, reason: "it is being regenerated in the background")
                outcomes.append(.value(stale))
            } else {
                outcomes.append(.wait(flight))
            }
        }
        if !started.isEmpty {
            let mustReread = finishedFlights.load(ordering: .acquiring) != batch.flightsSeen
            Task { [self] in
                let results = await runFlights(started, batch, mustReread: mustReread)
                finish(started, results: results)
            }
        }
        return outcomes
    }

    /// A flight registered by ``joinOrStartFlights(_:)`` for one key.
    struct StartedFlight<Value: Sendable>: Sendable {
        var key: PendingKey<Value>
        var flight: CacheFlight
    }

    private func serveStale<Value>(_ key: PendingKey<Value>, reason: String) {
        counters.staleServed.increment()
        logger.debug("serving stale value", metadata: ["key": "\(key.key)", "reason": "\(reason)"])
    }

    /// Removes finished flights from the map, then hands each its result, so that a caller arriving
    /// after a failure starts a new flight rather than joining the failed one.
    private func finish<Value>(_ started: [StartedFlight<Value>], results: [Result<any Sendable, any Error>]) {
        for entry in started where flights[entry.key.backendKey] === entry.flight {
            flights[entry.key.backendKey] = nil
        }
        finishedFlights.add(1, ordering: .releasing)
        for (entry, result) in zip(started, results) {
            if case .failure(let error) = result {
                logger.debug("creation failed", metadata: ["key": "\(entry.key.key)", "error": "\(error)"])
            }
            entry.flight.complete(with: result)
        }
    }

    /// Creates the values of `started` off the actor: takes the backend's mutexes if it has any (in
    /// key order, so that two processes cannot deadlock), re-reads the keys when another creation may
    /// have stored them meanwhile, calls the creator once with the keys still needed, and stores the
    /// values. Returns one result per started flight.
    private nonisolated func runFlights<Value: Sendable>(
        _ started: [StartedFlight<Value>],
        _ batch: CreationBatch<Value>,
        mustReread: Bool
    ) async -> [Result<any Sendable, any Error>] {
        let configuration = batch.configuration
        var results = [Result<any Sendable, any Error>?](repeating: nil, count: started.count)
        var held: [any CacheMutex] = []
        var usesMutex = false
        do {
            for index in started.indices.sorted(by: { started[$0].key.backendKey < started[$1].key.backendKey }) {
                let key = started[index].key
                guard let mutex = configuration.backend.mutex(for: key.backendKey) else { continue }
                usesMutex = true
                do {
                    if try await mutex.acquire(wait: key.stale == nil) {
                        held.append(mutex)
                    } else if let stale = key.stale {
                        // Another process is regenerating this stale value: serve it instead.
                        results[index] = .success(stale)
                    }
                } catch {
                    try handleBackendError(error, operation: "mutex acquire", key: key.backendKey, configuration: configuration)
                }
            }

            var needed = started.indices.filter { results[$0] == nil }
            if mustReread || usesMutex, !needed.isEmpty {
                let stored = try await readMulti(needed.map { started[$0].key.backendKey }, configuration: configuration)
                let now = clock.coarseNow()
                for (index, value) in zip(needed, stored) {
                    if let value, let payload = value.payload(as: Value.self),
                        configuration.freshness(of: value, expiration: batch.expiration, now: now) == .fresh
                    {
                        results[index] = .success(payload)
                    }
                }
                needed.removeAll { results[$0] != nil }
            }

            if !needed.isEmpty {
                do {
                    let created = try await create(needed.map { started[$0] }, batch)
                    for (index, value) in zip(needed, created) {
                        results[index] = .success(value)
                    }
                } catch {
                    for index in needed {
                        results[index] = .failure(error)
                    }
                }
            }
        } catch {
            for index in started.indices where results[index] == nil {
                results[index] = .failure(error)
            }
        }
        for mutex in held {
            do {
                try await mutex.release()
            } catch {
                logger.debug("backend error", metadata: ["operation": "mutex release", "error": "\(error)"])
                counters.backendErrors.increment()
            }
        }
        return results.map { $0! }
    }

    /// Calls the creator once for `flights`, checks the count, and stores the values `shouldCache` keeps.
    private nonisolated func create<Value: Sendable>(
        _ flights: [StartedFlight<Value>],
        _ batch: CreationBatch<Value>
    ) async throws -> [Value] {
        let keys = flights.map(\.key.key)
        counters.creations.increment()
        let started = ContinuousClock.now
        let values = try await CacheFlight.runAsCreator(of: flights.map(\.flight)) {
            try await batch.create(keys)
        }
        guard values.count == keys.count else {
            throw CacheError(
                .creatorResultCountMismatch,
                "the creator returned \(values.count) values for \(keys.count) keys; it must return one value per key, in order"
            )
        }
        logger.debug(
            "value generated",
            metadata: ["keys": "\(keys.joined(separator: " ").prefix(300))", "seconds": "\((ContinuousClock.now - started).seconds)"]
        )
        let now = clock.now()
        var entries: [(key: String, value: CachedValue)] = []
        for (flight, value) in zip(flights, values) where batch.shouldCache?(value) ?? true {
            entries.append((flight.key.backendKey, CachedValue(typed: value, creationTime: now)))
        }
        try await store(entries, configuration: batch.configuration)
        return values
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
