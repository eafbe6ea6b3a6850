import Logging

/// The in-flight map: who creates a missing or stale value, and who waits for it.
extension CacheRegion {
    /// A key that was missing or stale when read.
    ///
    /// The flight machinery is not generic over the value type: values travel as `any Sendable`
    /// and only the caller casts back. Generic code called across modules is not specialized, and
    /// its run-time type lookups cost more than the rest of a miss.
    struct PendingKey: Sendable {
        var key: String
        var backendKey: String
        /// The stale value read, or `nil` when the key was missing or unusable.
        var stale: (any Sendable)?
    }

    /// Keys read together by one caller, and how to create them.
    struct CreationBatch: Sendable {
        var pending: [PendingKey]
        /// ``CacheRegion/finishedFlights`` before the caller's backend read.
        var flightsSeen: UInt64
        var configuration: RegionConfiguration
        var expiration: CacheExpiration
        /// Whether to store a created value; `nil` for always.
        var shouldCache: (@Sendable (any Sendable) -> Bool)?
        /// Creates values for the given keys, in order; `nil` where the creator made no value for a
        /// key (that key's callers get `valueNotCreated`, and nothing is stored for it).
        var create: @Sendable ([String]) async throws -> [(any Sendable)?]
        /// The payload of a stored value if it is of the caller's type.
        var payload: @Sendable (CachedValue) -> (any Sendable)?
        /// A created value (of the caller's type) as stored, boxed by the caller's type so that hits
        /// read it back with a class check even when that type is a protocol or a superclass.
        var stored: @Sendable (any Sendable, _ creationTime: Double) -> CachedValue

        /// A batch for a caller of type `Value`, its closures erased to `any Sendable`.
        init<Value: Sendable>(
            pending: [PendingKey],
            flightsSeen: UInt64,
            configuration: RegionConfiguration,
            expiration: CacheExpiration,
            shouldCache: (@Sendable (Value) -> Bool)?,
            create: @escaping @Sendable ([String]) async throws -> [Value?]
        ) {
            self.pending = pending
            self.flightsSeen = flightsSeen
            self.configuration = configuration
            self.expiration = expiration
            if let shouldCache {
                self.shouldCache = { value in (value as? Value).map(shouldCache) ?? true }
            } else {
                self.shouldCache = nil
            }
            self.create = { keys in try await create(keys).map { value -> (any Sendable)? in value } }
            self.payload = { $0.payload(as: Value.self) }
            self.stored = { value, creationTime in
                guard let value = value as? Value else { return CachedValue(payload: value, creationTime: creationTime) }
                return CachedValue(typed: value, creationTime: creationTime)
            }
        }
    }

    /// What a caller does for one key after consulting the in-flight map.
    enum FlightOutcome: Sendable {
        /// Return this value now: a stale value served while its regeneration runs.
        case value(any Sendable)
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
    struct StartedCreation: Sendable {
        var flights: [StartedFlight]
        var batch: CreationBatch
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
    /// again to register. When a flight was registered in between, it has not been judged, so the
    /// whole lookup starts again.
    ///
    /// - Throws: `recursiveCreation`, before registering anything, when the caller is a creator and
    ///   waiting would close a cycle of creators waiting on each other.
    nonisolated func joinOrStartFlights(
        _ batch: CreationBatch
    ) throws -> (outcomes: [FlightOutcome], started: StartedCreation?) {
        let creators = CacheFlight.creating.map(ObjectIdentifier.init)
        while true {
            let running = flightTable.withLock { table in batch.pending.map { table.flights[$0.backendKey] } }
            // A flight that started before a hard invalidation would deliver a miss: start a new one.
            let joinable = running.map { flight in
                flight.flatMap { batch.configuration.invalidation(ofValueCreatedAt: $0.startTime) == .hard ? nil : $0 }
            }
            let startTime = clock.now()
            if let registered = try register(batch, running: running, joinable: joinable, startTime: startTime, creators: creators) {
                return registered
            }
        }
    }

    /// The locked step of ``joinOrStartFlights(_:)``: `nil` when a key's flight is no longer the one
    /// `running` saw (it has not been judged against the invalidation strategy).
    private nonisolated func register(
        _ batch: CreationBatch,
        running: [CacheFlight?],
        joinable: [CacheFlight?],
        startTime: Double,
        creators: [ObjectIdentifier]
    ) throws -> (outcomes: [FlightOutcome], started: StartedCreation?)? {
        try flightTable.withLock { table in
            for (index, key) in batch.pending.enumerated() where table.flights[key.backendKey] !== running[index] {
                return nil
            }
            func current(_ index: Int) -> CacheFlight? {
                // A key listed twice: its first occurrence may have registered a flight just now.
                table.flights[batch.pending[index].backendKey] === running[index]
                    ? joinable[index] : table.flights[batch.pending[index].backendKey]
            }
            for (index, key) in batch.pending.enumerated() where key.stale == nil {
                if let flight = current(index), table.waitGraph.wouldDeadlock(waitingOn: ObjectIdentifier(flight), from: creators) {
                    throw CacheError(
                        .recursiveCreation,
                        "the creator of a value asked for key '\(key.key)', whose creation is waiting on that creator; it would wait forever"
                    )
                }
            }
            var outcomes: [FlightOutcome] = []
            outcomes.reserveCapacity(batch.pending.count)
            var started: [StartedFlight] = []
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

    /// The flight a caller outside any creator can join for a missing key without building a
    /// creation batch: the many callers of a stampede take this path. `nil` when there is none, or
    /// when the caller is itself a creator (whose waits are checked for cycles by
    /// ``joinOrStartFlights(_:)``).
    nonisolated func joinableFlight(for backendKey: String, configuration: RegionConfiguration) -> CacheFlight? {
        guard CacheFlight.creating.isEmpty, let flight = flightTable.withLock({ $0.flights[backendKey] }) else { return nil }
        return configuration.invalidation(ofValueCreatedAt: flight.startTime) == .hard ? nil : flight
    }

    /// Runs a creation in a task of its own, so that no caller's cancellation reaches the creator.
    /// The task starts on the caller's thread and runs there until it first suspends: a creator that
    /// never suspends finishes, and its callers have their value, without a thread switch. Creations
    /// started that way from inside each other (a cached function that calls itself) nest on the
    /// thread's stack, so past ``immediateStartLimit`` levels they start as ordinary tasks.
    private nonisolated func start(_ creation: StartedCreation) {
        startCreation(of: creation.flights.map { $0.flight }) { [self] in
            let results = await runFlights(creation.flights, creation.batch, mustReread: creation.mustReread)
            finish(creation.flights, results: results)
        }
    }

    /// Runs `body`, which creates the values of `flights`, in a task of its own as described in
    /// ``start(_:)``, with the task marked as their creator for the whole of `body`: a backend or
    /// proxy that calls the region while it takes a mutex, re-reads or stores for the creation is
    /// treated as a creator too, and its waits are checked for cycles.
    nonisolated func startCreation(of flights: [CacheFlight], _ body: @escaping @Sendable () async -> Void) {
        let depth = CacheFlight.context.immediateStartDepth
        let context = CacheFlight.CreatorContext(flights: flights, immediateStartDepth: depth + 1)
        let operation: @Sendable () async -> Void = {
            await CacheFlight.$context.withValue(context, operation: body)
        }
        if #available(macOS 26, iOS 26, *), depth < Self.immediateStartLimit {
            Task.immediate(operation: operation)
        } else {
            Task(operation: operation)
        }
    }

    /// How deep creations started on the caller's thread may nest.
    static let immediateStartLimit = 16

    /// A flight registered by ``joinOrStartFlights(_:)`` for one key.
    struct StartedFlight: Sendable {
        var key: PendingKey
        var flight: CacheFlight
    }

    /// Removes finished flights from the map, then hands each its result, so that a caller arriving
    /// after a failure starts a new flight rather than joining the failed one.
    private nonisolated func finish(_ started: [StartedFlight], results: [Result<any Sendable, any Error>]) {
        removeFinished { table in
            for entry in started where table.flights[entry.key.backendKey] === entry.flight {
                table.flights[entry.key.backendKey] = nil
            }
        }
        for index in started.indices {
            started[index].flight.complete(with: results[index])
        }
    }

    /// ``finish(_:results:)`` for one flight.
    nonisolated func finish(_ flight: CacheFlight, backendKey: String, result: Result<any Sendable, any Error>) {
        removeFinished { table in
            if table.flights[backendKey] === flight {
                table.flights[backendKey] = nil
            }
        }
        flight.complete(with: result)
    }

    /// Takes finished flights out of the map with `remove` and counts a finished creation, under the
    /// table's lock: a caller that no longer finds a flight also sees the count change, and re-reads
    /// the value it stored.
    private nonisolated func removeFinished(_ remove: (inout FlightTable) -> Void) {
        flightTable.withLock { table in
            remove(&table)
            finishedFlights.add(1, ordering: .releasing)
        }
    }

    /// Forgets a wait recorded by ``joinOrStartFlights(_:)``.
    private nonisolated func stopWaiting(on flight: CacheFlight, from creators: [ObjectIdentifier]) {
        flightTable.withLock { $0.waitGraph.removeWait(on: ObjectIdentifier(flight), from: creators) }
    }

    /// Forgets the waits recorded for `outcomes` when their caller will not wait for them.
    nonisolated func stopWaiting(on outcomes: ArraySlice<FlightOutcome>) {
        let creators = CacheFlight.creating.map(ObjectIdentifier.init)
        guard !creators.isEmpty else { return }
        for case .wait(let flight) in outcomes {
            stopWaiting(on: flight, from: creators)
        }
    }

    /// The value an outcome stands for, waiting for its flight if need be.
    nonisolated(nonsending) func value(of outcome: FlightOutcome, key: String) async throws -> any Sendable {
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
            return try result.get()
        }
    }

    /// `payload` as the caller's type.
    ///
    /// - Throws: `typeMismatch` when the value created for `key` is of another type (another caller
    ///   asked for the same key as another type and created it).
    nonisolated func cast<Value: Sendable>(_ payload: any Sendable, key: String, as type: Value.Type) throws -> Value {
        guard let value = payload as? Value else {
            throw CacheError(
                .typeMismatch,
                "the value created for key '\(key)' is a \(Swift.type(of: payload)), not the requested \(Value.self)"
            )
        }
        return value
    }

    /// Counts and logs the batch's missing keys, then joins or starts their flights.
    nonisolated func outcomes(of batch: CreationBatch) throws -> [FlightOutcome] {
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
    private nonisolated func runFlights(
        _ started: [StartedFlight],
        _ batch: CreationBatch,
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
                    if let value, let payload = batch.payload(value),
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
        for index in started.indices {
            if case .failure(let error) = results[index] {
                logger.debug("creation failed", metadata: ["key": "\(started[index].key.key)", "error": "\(error)"])
            }
        }
        return results.map { $0! }
    }

    /// Calls the creator once for `flights`, checks the count, and stores the values `shouldCache` keeps.
    private nonisolated func create(
        _ flights: [StartedFlight],
        _ batch: CreationBatch
    ) async throws -> [(any Sendable)?] {
        let keys = flights.map { $0.key.key }
        counters.creations.increment()
        let started = ContinuousClock.now
        let values = try await batch.create(keys)
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
        for index in flights.indices {
            if let value = values[index], batch.shouldCache?(value) ?? true {
                entries.append((flights[index].key.backendKey, batch.stored(value, flights[index].flight.startTime)))
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
