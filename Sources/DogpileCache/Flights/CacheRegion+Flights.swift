import Logging

/// The region's side of the ``FlightTable``: it applies the table's decisions outside its lock.
extension CacheRegion {
    typealias PendingKey = FlightTable.PendingKey

    /// Decides with the flight table what the caller does for `key`, and starts its creation when
    /// the caller registered it.
    ///
    /// Counts and logs a missing key, looks up the running flight, judges it against the
    /// invalidation strategy (user code, so outside the lock), then registers, looking again when the
    /// flight changed in between. The one-key case of ``outcomes(for:staleValues:generationSeen:creation:context:)``,
    /// without its arrays.
    ///
    /// - Parameters:
    ///   - staleValue: The stale value the caller read and what its policy lets the region do with
    ///     it, if anything.
    ///   - generationSeen: ``FlightTable/generation`` before the caller read the backend.
    ///   - context: The caller's ``CacheFlight/context``, read once per call: a task-local costs a
    ///     lookup and a copy on every read.
    /// - Throws: `recursiveCreation`, having registered nothing, when the caller is a creator and the
    ///   wait would close a cycle of creators waiting on each other.
    nonisolated func outcome(
        for key: PendingKey,
        staleValue: StaleValue?,
        generationSeen: UInt64,
        creation: Creation,
        context: CacheFlight.CreatorContext
    ) throws -> FlightTable.Outcome {
        logMissing(key, to: creation.logger)
        let configuration = creation.configuration
        var caller = FlightTable.Caller(
            creators: context.flights, generationSeen: generationSeen, backgroundRefresh: configuration.backgroundRefresh
        )
        while true {
            let running = judged(flightTable.withLock { $0.lookUp(key) }, by: configuration)
            if let outcome = FlightTable.outcomeWithoutRegistering(key, running: running, caller: caller) {
                count(outcome, for: key)
                return outcome
            }
            caller.startTime = clock.now()
            switch flightTable.withLock({ $0.register(key, running: running, caller: caller) }) {
            case .lookAgain:
                continue
            case .refuseCycle(let key):
                throw cycleError(key: key)
            case .proceed(let outcome, let started, let mustReread):
                count(outcome, for: key)
                if let started {
                    startCreation(creation, flights: [started], staleValues: staleValue.map { [$0] } ?? [], mustReread: mustReread, within: context)
                }
                return outcome
            }
        }
    }

    /// ``outcome(for:staleValue:generationSeen:creation:context:)`` for many keys at once, in order:
    /// all are registered together, and the ones registered are created by one creation.
    ///
    /// - Parameter staleValues: The stale value the caller read for each key, or an empty array when
    ///   it has none.
    nonisolated func outcomes(
        for keys: [PendingKey],
        staleValues: [StaleValue?],
        generationSeen: UInt64,
        creation: Creation,
        context: CacheFlight.CreatorContext
    ) throws -> [FlightTable.Outcome] {
        for key in keys { logMissing(key, to: creation.logger) }
        let configuration = creation.configuration
        var request = FlightTable.Request(
            keys: keys, running: [],
            caller: FlightTable.Caller(creators: context.flights, generationSeen: generationSeen, backgroundRefresh: configuration.backgroundRefresh)
        )
        while true {
            request.running = flightTable.withLock { $0.lookUp(keys) }.map { judged($0, by: configuration) }
            if let outcomes = FlightTable.outcomesWithoutRegistering(request) {
                zip(outcomes, keys).forEach(count)
                return outcomes
            }
            request.caller.startTime = clock.now()
            switch flightTable.withLock({ $0.register(request) }) {
            case .lookAgain:
                continue
            case .refuseCycle(let key):
                throw cycleError(key: key)
            case .proceed(let outcomes, let started, let mustReread):
                zip(outcomes, keys).forEach(count)
                if !started.isEmpty {
                    let startedStale = staleValues.isEmpty ? [] : zip(outcomes, staleValues).filter { $0.0.startsCreation }.map { $0.1 }
                    startCreation(creation, flights: started, staleValues: startedStale, mustReread: mustReread, within: context)
                }
                return outcomes
            }
        }
    }

    /// Logs a key the caller found missing (rather than stale).
    private nonisolated func logMissing(_ key: PendingKey, to logger: Logger) {
        guard !key.hasStaleValue else { return }
        logger.debug("no value present for key", metadata: ["key": "\(key.key)"])
    }

    /// `running` as the region judges it: a flight that started before a hard invalidation would
    /// deliver a miss, so it is not joined.
    private nonisolated func judged(_ running: FlightTable.RunningFlight?, by configuration: RegionConfiguration) -> FlightTable.RunningFlight? {
        guard var running, configuration.invalidation(ofValueCreatedAt: running.flight.startTime) == .hard else { return running }
        running.isJoinable = false
        return running
    }

    private nonisolated func cycleError(key: String) -> CacheError {
        CacheError(
            .recursiveCreation,
            "the creator of a value asked for key '\(key)', whose creation is waiting on that creator; it would wait forever"
        )
    }

    /// Counts what an outcome does for the caller of `key`, so that each caller of a key is one hit,
    /// miss, stale value served or fail-safe value served: a caller that waits for a creation, its
    /// own or another's, is a miss, whether it held a stale value or none, unless the creation
    /// answers it with its stale value. A key due for an eager refresh was counted as a hit
    /// already; its refresh counts as one.
    private nonisolated func count(_ outcome: FlightTable.Outcome, for key: PendingKey) {
        if key.isDueForRefresh {
            if outcome.startsCreation {
                counters.eagerRefreshes.increment()
            }
            return
        }
        switch outcome {
        case .serveStale, .refreshInBackground: counters.staleServed.increment()
        case .serveFailSafe: counters.failSafeServed.increment()
        case .join:
            counters.misses.increment()
            counters.coalescedWaiters.increment()
        case .create:
            // A caller regenerating a stale value is counted when its creation answers it
            // (``value(of:stale:policy:waitStart:key:creators:)``): the answer may be that value.
            if !key.hasStaleValue { counters.misses.increment() }
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
        staleValues: [StaleValue?],
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
    ///
    /// - Parameters:
    ///   - failedSafe: The backend keys whose creation failed and was answered with a fail-safe
    ///     value, whose throttle starts now.
    ///   - throttle: How long, in seconds, that throttle lasts.
    nonisolated func finish(_ flights: [CacheFlight], results: [FlightResult?], failedSafe: Set<String> = [], throttle: Double = 0) {
        let now = failedSafe.isEmpty ? 0 : clock.now()
        flightTable.withLock { table in
            table.finish(flights, failedSafe: failedSafe, throttleEnd: now + throttle, now: now)
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

    /// The value `outcome` stands for, as the caller's type: the stale value it holds, or the
    /// result of the flight it waits for, waited for until `policy`'s timeout from `waitStart`.
    ///
    /// The caller that regenerates a stale value it may be served waits for the soft timeout, else
    /// the hard one; every other caller for the hard one. At the timeout the caller gets its stale
    /// value, served or fail-safe, if it holds one, else `creationTimedOut`; the creation goes on.
    ///
    /// - Throws: What the creation threw, `CancellationError`, `creationTimedOut`, or
    ///   `typeMismatch` when the flight created a value of another type.
    nonisolated(nonsending) func value<Value: Sendable>(
        of outcome: FlightTable.Outcome,
        stale: StaleValue?,
        policy: CreationPolicy,
        waitStart: Double,
        key: String,
        creators: [CacheFlight],
        logger: Logger
    ) async throws -> Value {
        guard let flight = outcome.awaitedFlight else {
            if case .serveFailSafe = outcome {
                logger.debug("serving the fail-safe value while its creation's failure is throttled", metadata: ["key": "\(key)"])
            } else {
                logger.debug("serving stale value while it is regenerated", metadata: ["key": "\(key)"])
            }
            return stale!.box.payload(as: Value.self)!
        }
        let timeout = (outcome.startsCreation && stale?.isServed == true ? policy.softTimeoutSeconds : nil) ?? policy.hardTimeoutSeconds
        let result: Result<PayloadBox?, any Error>
        do {
            result = .success(try await wait(for: flight, until: timeout.map { waitStart + $0 }))
        } catch {
            result = .failure(error)
        }
        if !creators.isEmpty {
            flightTable.withLock { $0.stopWaiting(on: flight, from: creators) }
        }
        if outcome.startsCreation, let stale {
            // The caller regenerated a stale value: a miss, unless its creation answered it with
            // that value (another process held the lock, or fail-safe), which counted it already.
            let answeredStale = if case .success(let box?) = result { box === stale.box } else { false }
            if !answeredStale { counters.misses.increment() }
        }
        guard let box = try result.get() else {
            counters.timeouts.increment()
            if let stale {
                logger.debug("creation timed out; serving the stale value", metadata: ["key": "\(key)"])
                return stale.box.payload(as: Value.self)!
            }
            throw CacheError(
                .creationTimedOut,
                "the creation of the value for key '\(key)' took longer than the hard timeout of \(timeout!) s; it goes on, and its value is stored when it finishes"
            )
        }
        guard let value = box.payload(as: Value.self) else {
            throw CacheError(
                .typeMismatch,
                "the value created for key '\(key)' is a \(Swift.type(of: box.anyValue)), not the requested \(Value.self)"
            )
        }
        return value
    }

    /// The result of `flight`, or `nil` when the region clock reaches `deadline` first (then the
    /// caller stops waiting and the flight goes on). Without a deadline, the flight's result.
    private nonisolated(nonsending) func wait(for flight: CacheFlight, until deadline: Double?) async throws -> PayloadBox? {
        guard let deadline else { return try await flight.wait() }
        let clock = self.clock
        return try await withThrowingTaskGroup(of: PayloadBox?.self) { group in
            group.addTask { try await flight.wait() }
            group.addTask {
                try await clock.sleep(until: deadline)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
