/// The region's side of the ``FlightTable``: it applies the table's decisions outside its lock.
extension CacheRegion {
    typealias PendingKey = FlightTable.PendingKey

    /// Decides with the flight table what the caller does for each of `keys` (in order), and starts
    /// the creation of the keys it registered.
    ///
    /// Counts and logs the missing keys, looks up the running flights, judges them against the
    /// invalidation strategy (user code, so outside the lock), then registers, looking again when a
    /// flight changed in between.
    ///
    /// - Parameters:
    ///   - staleValues: The stale value the caller read for each key, or an empty array when it has none.
    ///   - generationSeen: ``FlightTable/generation`` before the caller read the backend.
    ///   - context: The caller's ``CacheFlight/context``, read once per call: a task-local costs a
    ///     lookup and a copy on every read.
    /// - Throws: `recursiveCreation`, having registered nothing, when the caller is a creator and a
    ///   wait would close a cycle of creators waiting on each other.
    nonisolated func outcomes(
        for keys: [PendingKey],
        staleValues: [PayloadBox?],
        generationSeen: UInt64,
        creation: Creation,
        context: CacheFlight.CreatorContext
    ) throws -> [FlightTable.Outcome] {
        for key in keys where !key.hasStaleValue {
            counters.misses.increment()
            logger.debug("no value present for key", metadata: ["key": "\(key.key)"])
        }
        let configuration = creation.configuration
        let creators = context.flights
        while true {
            var running = flightTable.withLock { $0.lookUp(keys) }
            // A flight that started before a hard invalidation would deliver a miss: it is not joined.
            for index in running.indices {
                if let flight = running[index]?.flight, configuration.invalidation(ofValueCreatedAt: flight.startTime) == .hard {
                    running[index]?.isJoinable = false
                }
            }
            var request = FlightTable.Request(
                keys: keys, running: running, creators: creators,
                generationSeen: generationSeen, startTime: 0, backgroundRefresh: configuration.backgroundRefresh
            )
            if let outcomes = FlightTable.outcomesWithoutRegistering(request) {
                count(outcomes)
                return outcomes
            }
            request.startTime = clock.now()
            switch flightTable.withLock({ $0.register(request) }) {
            case .lookAgain:
                continue
            case .refuseCycle(let key):
                throw CacheError(
                    .recursiveCreation,
                    "the creator of a value asked for key '\(key)', whose creation is waiting on that creator; it would wait forever"
                )
            case .proceed(let outcomes, let started, let mustReread):
                count(outcomes)
                if !started.isEmpty {
                    let startedStale = staleValues.isEmpty ? [] : zip(outcomes, staleValues).filter { $0.0.startsCreation }.map { $0.1 }
                    startCreation(creation, flights: started, staleValues: startedStale, mustReread: mustReread, within: context)
                }
                return outcomes
            }
        }
    }

    /// Counts what each outcome does for its caller.
    private nonisolated func count(_ outcomes: [FlightTable.Outcome]) {
        for outcome in outcomes {
            switch outcome {
            case .serveStale, .refreshInBackground: counters.staleServed.increment()
            case .join: counters.coalescedWaiters.increment()
            case .create: break
            }
        }
    }

    /// Runs the creation of `flights` (``run(_:flights:staleValues:mustReread:)``) in a task of its
    /// own, so that no caller's cancellation reaches the creator, with the task marked as their
    /// creator throughout: a backend or proxy that calls the region while it takes a mutex, re-reads
    /// or stores for the creation is treated as a creator too, and its waits are checked for cycles.
    ///
    /// The task starts on the caller's thread and runs there until it first suspends: a creator that
    /// never suspends finishes, and its callers have their value, without a thread switch. Creations
    /// started that way from inside each other (a cached function that calls itself) nest on the
    /// thread's stack, so past ``immediateStartLimit`` levels they start as ordinary tasks.
    private nonisolated func startCreation(
        _ creation: Creation,
        flights: [CacheFlight],
        staleValues: [PayloadBox?],
        mustReread: Bool,
        within enclosing: CacheFlight.CreatorContext
    ) {
        let depth = enclosing.immediateStartDepth
        let context = CacheFlight.CreatorContext(flights: flights, immediateStartDepth: depth + 1)
        // One closure: the one `withValue` runs does not escape, so it needs no allocation.
        let operation: @Sendable () async -> Void = { [self] in
            await CacheFlight.$context.withValue(context) {
                await run(creation, flights: flights, staleValues: staleValues, mustReread: mustReread)
            }
        }
        if #available(macOS 26, iOS 26, *), depth < Self.immediateStartLimit {
            Task.immediate(operation: operation)
        } else {
            Task(operation: operation)
        }
    }

    /// How deep creations started on the caller's thread may nest.
    static let immediateStartLimit = 16

    /// ``FlightTable/generation`` as last published by ``finish(_:results:)``, for callers to read
    /// without the lock before they read the backend.
    nonisolated var generation: UInt64 {
        publishedGeneration.load(ordering: .acquiring)
    }

    /// Ends a creation: its flights leave the table, then each hands its result to its waiters.
    nonisolated func finish(_ flights: [CacheFlight], results: [FlightResult?]) {
        flightTable.withLock { table in
            table.finish(flights)
            publishedGeneration.store(table.generation, ordering: .releasing)
        }
        for index in flights.indices {
            flights[index].complete(with: results[index]!)
        }
    }

    /// Forgets the waits recorded for `outcomes` when their caller, a creator, will not wait for them.
    nonisolated func stopWaiting(on outcomes: ArraySlice<FlightTable.Outcome>, from creators: [CacheFlight]) {
        guard !creators.isEmpty else { return }
        for case let flight? in outcomes.lazy.map(\.awaitedFlight) {
            flightTable.withLock { $0.stopWaiting(on: flight, from: creators) }
        }
    }

    /// The value `outcome` stands for, as the caller's type: `stale`, or the result of the flight it
    /// waits for.
    ///
    /// - Throws: What the creation threw, `CancellationError`, or `typeMismatch` when the flight
    ///   created a value of another type.
    nonisolated(nonsending) func value<Value: Sendable>(
        of outcome: FlightTable.Outcome,
        stale: Value?,
        key: String,
        creators: [CacheFlight]
    ) async throws -> Value {
        guard let flight = outcome.awaitedFlight else {
            logger.debug("serving stale value while it is regenerated", metadata: ["key": "\(key)"])
            return stale!
        }
        let result: FlightResult
        do {
            result = .success(try await flight.wait())
        } catch {
            result = .failure(error)
        }
        if !creators.isEmpty {
            flightTable.withLock { $0.stopWaiting(on: flight, from: creators) }
        }
        let box = try result.get()
        guard let value = box.payload(as: Value.self) else {
            throw CacheError(
                .typeMismatch,
                "the value created for key '\(key)' is a \(Swift.type(of: box.anyValue)), not the requested \(Value.self)"
            )
        }
        return value
    }
}
