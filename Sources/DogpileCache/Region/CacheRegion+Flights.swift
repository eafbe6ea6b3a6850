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
        /// Creates values for the given keys, in order; `nil` where the creator made no value for a
        /// key (that key's callers get `valueNotCreated`, and nothing is stored for it).
        var create: @Sendable ([String]) async throws -> [Value?]
    }

    /// What a caller does for one key after consulting the in-flight map.
    enum FlightOutcome<Value: Sendable>: Sendable {
        /// Return this value now: a stale value served while its regeneration runs.
        case value(Value)
        /// Wait for this flight's result.
        case wait(CacheFlight)
    }

    /// Creations in progress, by backend key, and which creators wait on which flights: the one
    /// place that decides who creates. Behind ``CacheRegion/flightTable``'s lock, which is never held
    /// across user code.
    struct FlightTable {
        var flights: [String: CacheFlight] = [:]
        /// Which creators wait on which flights, to refuse waits that would deadlock.
        var waitGraph = FlightWaitGraph()
    }

    /// The flights a caller registered, for it to start.
    struct StartedCreation<Value: Sendable>: Sendable {
        var flights: [StartedFlight<Value>]
        var batch: CreationBatch<Value>
        /// Whether a creation finished since the caller read the backend, so the keys must be read again.
        var mustReread: Bool
    }

    /// For each pending key: joins the flight already creating it, serves its stale value, or
    /// registers a new flight, and returns the new flights for the caller to start. Returns one
    /// outcome per pending key, in order.
    ///
    /// Looking up and registering happen under one lock, so they cannot interleave with another
    /// caller's. The invalidation strategy and the clock, which may be the user's, are consulted
    /// outside it: first the running flights are looked up, then judged, then the lock is taken
    /// again to register; a flight registered in between started after the lookup, so it is joined.
    ///
    /// - Throws: `recursiveCreation`, before registering anything, when the caller is a creator and
    ///   waiting would close a cycle of creators waiting on each other.
    nonisolated func joinOrStartFlights<Value: Sendable>(
        _ batch: CreationBatch<Value>
    ) throws -> (outcomes: [FlightOutcome<Value>], started: StartedCreation<Value>?) {
        let creators = CacheFlight.creating.map(ObjectIdentifier.init)
        let running = flightTable.withLock { table in batch.pending.map { table.flights[$0.backendKey] } }
        // A flight that started before a hard invalidation would deliver a miss: start a new one.
        let joinable = running.map { flight in
            flight.flatMap { batch.configuration.invalidation(ofValueCreatedAt: $0.startTime) == .hard ? nil : $0 }
        }
        let startTime = clock.now()
        return try flightTable.withLock { table in
            func current(_ index: Int) -> CacheFlight? {
                let flight = table.flights[batch.pending[index].backendKey]
                return flight === running[index] ? joinable[index] : flight
            }
            for (index, key) in batch.pending.enumerated() where key.stale == nil {
                if let flight = current(index), table.waitGraph.wouldDeadlock(waitingOn: ObjectIdentifier(flight), from: creators) {
                    throw CacheError(
                        .recursiveCreation,
                        "the creator of a value asked for key '\(key.key)', whose creation is waiting on that creator; it would wait forever"
                    )
                }
            }
            var outcomes: [FlightOutcome<Value>] = []
            outcomes.reserveCapacity(batch.pending.count)
            var started: [StartedFlight<Value>] = []
            for (index, key) in batch.pending.enumerated() {
                if let flight = current(index) {
                    if let stale = key.stale {
                        counters.staleServed.increment()
                        outcomes.append(.value(stale))
                    } else {
                        counters.coalescedWaiters.increment()
                        outcomes.append(.wait(flight))
                    }
                    continue
                }
                let flight = CacheFlight(startTime: startTime)
                table.flights[key.backendKey] = flight
                started.append(StartedFlight(key: key, flight: flight))
                if let stale = key.stale, batch.configuration.backgroundRefresh {
                    counters.staleServed.increment()
                    outcomes.append(.value(stale))
                } else {
                    outcomes.append(.wait(flight))
                }
            }
            if !creators.isEmpty {
                for case .wait(let flight) in outcomes {
                    table.waitGraph.addWait(on: ObjectIdentifier(flight), from: creators)
                }
            }
            guard !started.isEmpty else { return (outcomes, nil) }
            let mustReread = finishedFlights.load(ordering: .acquiring) != batch.flightsSeen
            return (outcomes, StartedCreation(flights: started, batch: batch, mustReread: mustReread))
        }
    }

    /// Runs a creation in a task of its own, so that no caller's cancellation reaches the creator.
    /// The task starts on the caller's thread and runs there until it first suspends: a creator that
    /// never suspends finishes, and its callers have their value, without a thread switch.
    private nonisolated func start<Value: Sendable>(_ creation: StartedCreation<Value>) {
        let operation: @Sendable () async -> Void = { [self] in
            let results = await runFlights(creation.flights, creation.batch, mustReread: creation.mustReread)
            finish(creation.flights, results: results)
        }
        if #available(macOS 26, iOS 26, *) {
            Task.immediate(operation: operation)
        } else {
            Task(operation: operation)
        }
    }

    /// A flight registered by ``joinOrStartFlights(_:)`` for one key.
    struct StartedFlight<Value: Sendable>: Sendable {
        var key: PendingKey<Value>
        var flight: CacheFlight
    }

    /// Removes finished flights from the map, then hands each its result, so that a caller arriving
    /// after a failure starts a new flight rather than joining the failed one.
    private nonisolated func finish<Value>(_ started: [StartedFlight<Value>], results: [Result<any Sendable, any Error>]) {
        flightTable.withLock { table in
            for entry in started where table.flights[entry.key.backendKey] === entry.flight {
                table.flights[entry.key.backendKey] = nil
            }
        }
        finishedFlights.add(1, ordering: .releasing)
        for (entry, result) in zip(started, results) {
            entry.flight.complete(with: result)
        }
    }

    /// Forgets a wait recorded by ``joinOrStartFlights(_:)``.
    private nonisolated func stopWaiting(on flight: CacheFlight, from creators: [ObjectIdentifier]) {
        flightTable.withLock { $0.waitGraph.removeWait(on: ObjectIdentifier(flight), from: creators) }
    }

    /// The value an outcome stands for, waiting for its flight if need be.
    nonisolated func value<Value: Sendable>(of outcome: FlightOutcome<Value>, key: String) async throws -> Value {
        switch outcome {
        case .value(let stale):
            logger.debug("serving stale value while it is regenerated", metadata: ["key": "\(key)"])
            return stale
        case .wait(let flight):
            let creators = CacheFlight.creating.map(ObjectIdentifier.init)
            let result: Result<any Sendable, any Error>
            do {
                result = .success(try await flight.wait())
            } catch {
                result = .failure(error)
            }
            if !creators.isEmpty {
                stopWaiting(on: flight, from: creators)
            }
            let payload = try result.get()
            guard let value = payload as? Value else {
                throw CacheError(
                    .typeMismatch,
                    "the value created for key '\(key)' is a \(type(of: payload)), not the requested \(Value.self)"
                )
            }
            return value
        }
    }

    /// Counts and logs the batch's missing keys, then joins or starts their flights.
    nonisolated func outcomes<Value: Sendable>(of batch: CreationBatch<Value>) async throws -> [FlightOutcome<Value>] {
        for key in batch.pending where key.stale == nil {
            counters.misses.increment()
            logger.debug("no value present for key", metadata: ["key": "\(key.key)"])
        }
        let (outcomes, started) = try joinOrStartFlights(batch)
        if let started {
            start(started)
        }
        return outcomes
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
                        counters.staleServed.increment()
                        results[index] = .success(stale)
                    } else {
                        logger.debug("backend mutex not acquired; creating without it", metadata: ["key": "\(key.key)"])
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
                        if let value {
                            results[index] = .success(value)
                        } else {
                            results[index] = .failure(
                                CacheError(.valueNotCreated, "the creator returned no value for key '\(started[index].key.key)'")
                            )
                        }
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
        for (entry, result) in zip(started, results) {
            if case .failure(let error) = result {
                logger.debug("creation failed", metadata: ["key": "\(entry.key.key)", "error": "\(error)"])
            }
        }
        return results.map { $0! }
    }

    /// Calls the creator once for `flights`, checks the count, and stores the values `shouldCache` keeps.
    private nonisolated func create<Value: Sendable>(
        _ flights: [StartedFlight<Value>],
        _ batch: CreationBatch<Value>
    ) async throws -> [Value?] {
        let keys = flights.map { $0.key.key }
        counters.creations.increment()
        let started = ContinuousClock.now
        let values = try await CacheFlight.runAsCreator(of: flights.map { $0.flight }) {
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
        var entries: [(key: String, value: CachedValue)] = []
        for (flight, value) in zip(flights, values) {
            if let value, batch.shouldCache?(value) ?? true {
                entries.append((flight.key.backendKey, CachedValue(typed: value, creationTime: flight.flight.startTime)))
            }
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
