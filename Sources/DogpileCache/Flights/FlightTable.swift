/// Creations in progress, by backend key: the one place that decides, for each key a caller could not
/// serve fresh, whether the caller creates the value, joins a creation already running, or is served
/// its stale value.
///
/// A plain state machine, kept behind the region's lock: each event is a `mutating func` that returns
/// what the region must do, and the region does it outside the lock (judging flights against the
/// invalidation strategy, starting creations, waiting, resuming waiters), so no user code ever runs
/// under the lock. The events, in the order a caller meets them:
///
/// 1. ``generation`` before reading the backend (read without the lock from the copy the region
///    publishes after each ``finish(_:)``, which may lag but never runs ahead, so that a lagging read
///    costs only a re-read);
/// 2. ``lookUp(_:)``: the flights running for the caller's keys, which the region then judges against
///    the invalidation strategy (a flight started before a hard invalidation would deliver a miss);
/// 3. ``register(_:)``: join, be served stale, or register new flights; or look again when a flight
///    changed since the look-up, or refuse a wait that would close a cycle of creators;
/// 4. ``finish(_:)`` when a creation ends, before its waiters are resumed;
/// 5. ``stopWaiting(on:from:)`` when a creator stops waiting on a flight;
///
/// and once, when the region shuts down, ``beginShutdown()``: no creation starts in the background
/// after it.
struct FlightTable {
    /// A key a caller could not serve fresh: missing, unusable, or stale.
    struct PendingKey: Sendable {
        /// The key as the caller gave it, for logs and errors.
        var key: String
        /// The key as the backend sees it, which names its flight.
        var backendKey: String
        /// Whether the caller holds a stale value of the key, which it is served while the key is
        /// regenerated.
        var hasStaleValue: Bool
        /// Whether the caller holds a stale value its policy lets stand in for a failed creation,
        /// which it is served while the key's fail-safe throttle holds.
        var hasFailSafeValue = false
        /// Whether the caller holds a fresh value past its eager-refresh point: it is served that
        /// value, and the key is regenerated in the background unless a creation already runs.
        /// Implies `hasStaleValue`.
        var isDueForRefresh = false
    }

    /// What a caller does for one pending key.
    enum Outcome: Sendable {
        /// Return the stale value now: another caller regenerates it.
        case serveStale
        /// Wait for a creation another caller started.
        case join(CacheFlight)
        /// Start this creation and wait for it.
        case create(CacheFlight)
        /// Start this creation and return the stale value now (background refresh).
        case refreshInBackground(CacheFlight)
        /// Return the caller's fail-safe value now, as if fresh: a creation of the key failed a
        /// moment ago and was answered with a fail-safe value.
        case serveFailSafe
    }

    /// A flight ``lookUp(_:)`` found, with the region's judgement of it.
    struct RunningFlight {
        var flight: CacheFlight
        /// Whether the flight may be joined: it did not start before a hard invalidation. `true` until
        /// the region judges otherwise.
        var isJoinable = true
    }

    /// What a caller brings to a registration besides its keys.
    struct Caller {
        /// The flights whose creator the caller is running (empty outside creators); their waits are
        /// recorded and checked for cycles.
        var creators: [CacheFlight]
        /// ``generation`` before the caller read the backend.
        var generationSeen: UInt64
        /// The start time of flights registered now: the creation time their values are stored with.
        var startTime: Double = 0
        /// Whether a caller that starts regenerating a stale value is served that value at once.
        var backgroundRefresh: Bool
    }

    /// A caller's keys after ``lookUp(_:)``, with the region's judgement of each running flight.
    struct Request {
        var keys: [PendingKey]
        /// The flight ``lookUp(_:)`` found for each key, judged, or `nil`.
        var running: [RunningFlight?]
        var caller: Caller
    }

    /// What ``register(_:)`` asks the region to do: `Outcomes` and `Started` are one outcome and an
    /// optional flight for one key (``register(_:running:caller:)``), arrays for many.
    enum Registration<Outcomes, Started> {
        /// A key's flight changed since the look-up, so the new one has not been judged: look up,
        /// judge and register again.
        case lookAgain
        /// Waiting for `key` would close a cycle of creators waiting on each other. Nothing was
        /// registered: throw `recursiveCreation`.
        case refuseCycle(key: String)
        /// The outcome of each key, in order, and the flights registered for the caller to start
        /// (`mustReread`: a creation finished since the caller read the backend, so the new
        /// creation reads its keys again before creating them).
        case proceed(outcomes: Outcomes, started: Started, mustReread: Bool)
    }

    /// The running creations, by backend key.
    private(set) var flights: [String: CacheFlight] = [:]
    /// Which creators wait on which flights.
    private(set) var waitGraph = FlightWaitGraph()
    /// When each key's fail-safe throttle ends (region clock), by backend key: set when a creation
    /// failed and was answered with a fail-safe value, cleared when one succeeds.
    private(set) var failSafeThrottles: [String: Double] = [:]
    /// Counts finished creations. A caller whose backend read began before it changed may have missed
    /// a value a creation stored meanwhile, so a creation it starts reads again first.
    private(set) var generation: UInt64 = 0
    /// Whether the region is shutting down (``beginShutdown()``): creations no longer start in the
    /// background.
    private(set) var isShuttingDown = false

    /// Whether nothing is being created or waited for.
    var isIdle: Bool { flights.isEmpty && waitGraph.isEmpty }

    /// Whether a creation for `backendKey` is running.
    func isCreating(_ backendKey: String) -> Bool {
        flights[backendKey] != nil
    }

    /// The flight running for `key`, or `nil`, for the region to judge before registering.
    func lookUp(_ key: PendingKey) -> RunningFlight? {
        flights[key.backendKey].map { RunningFlight(flight: $0) }
    }

    /// The flight running for each key, as `lookUp(_:)` finds it for one.
    func lookUp(_ keys: [PendingKey]) -> [RunningFlight?] {
        keys.map(lookUp)
    }

    /// The outcome of `key` when it needs no registration: the caller is no creator (whose waits
    /// must be recorded) and the key has a joinable running flight; `nil` otherwise. Changes
    /// nothing, so it is decided without the lock; a flight that finished since the look-up still
    /// hands its result to late joiners.
    static func outcomeWithoutRegistering(_ key: PendingKey, running: RunningFlight?, caller: Caller) -> Outcome? {
        guard caller.creators.isEmpty, let running, running.isJoinable else { return nil }
        return key.hasStaleValue ? .serveStale : .join(running.flight)
    }

    /// The outcomes of `request` when none of its keys needs a registration, else `nil`.
    static func outcomesWithoutRegistering(_ request: Request) -> [Outcome]? {
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(request.keys.count)
        for (key, running) in zip(request.keys, request.running) {
            guard let outcome = outcomeWithoutRegistering(key, running: running, caller: request.caller) else { return nil }
            outcomes.append(outcome)
        }
        return outcomes
    }

    /// Registers one key: serves its stale value when a joinable flight regenerates it, joins that
    /// flight when the caller has no value, or registers a new flight (replacing a flight started
    /// before a hard invalidation, which finishes on its own). Records the waits of creators.
    mutating func register(_ key: PendingKey, running: RunningFlight?, caller: Caller) -> Registration<Outcome, CacheFlight?> {
        guard !hasChanged(key, since: running) else { return .lookAgain }
        let creatorIDs = caller.creators.map(ObjectIdentifier.init)
        guard !closesCycle(key, running: running, creatorIDs: creatorIDs) else { return .refuseCycle(key: key.key) }
        let admitted = admit(key, running: running, caller: caller, creatorIDs: creatorIDs)
        return .proceed(outcomes: admitted.outcome, started: admitted.started, mustReread: generation != caller.generationSeen)
    }

    /// ``register(_:running:caller:)`` for every key of `request`, all or none: it looks again or
    /// refuses a cycle before registering any key.
    mutating func register(_ request: Request) -> Registration<[Outcome], [CacheFlight]> {
        let keys = request.keys
        for index in keys.indices where hasChanged(keys[index], since: request.running[index]) {
            return .lookAgain
        }
        let creatorIDs = request.caller.creators.map(ObjectIdentifier.init)
        for index in keys.indices where closesCycle(keys[index], running: request.running[index], creatorIDs: creatorIDs) {
            return .refuseCycle(key: keys[index].key)
        }
        var outcomes: [Outcome] = []
        outcomes.reserveCapacity(keys.count)
        var started: [CacheFlight] = []
        for index in keys.indices {
            let admitted = admit(keys[index], running: request.running[index], caller: request.caller, creatorIDs: creatorIDs)
            outcomes.append(admitted.outcome)
            if let flight = admitted.started {
                started.append(flight)
            }
        }
        return .proceed(outcomes: outcomes, started: started, mustReread: generation != request.caller.generationSeen)
    }

    /// Whether the flight of `key` changed since the look-up found `running`.
    private func hasChanged(_ key: PendingKey, since running: RunningFlight?) -> Bool {
        flights[key.backendKey] !== running?.flight
    }

    /// The flight `key` may join: the judged one, or one registered just now for the same key listed
    /// earlier in the same request.
    private func joinable(_ key: PendingKey, running: RunningFlight?) -> CacheFlight? {
        let current = flights[key.backendKey]
        guard let running, current === running.flight else { return current }
        return running.isJoinable ? current : nil
    }

    /// Whether a caller running the creators `creatorIDs` would close a cycle by waiting on `key`.
    private func closesCycle(_ key: PendingKey, running: RunningFlight?, creatorIDs: [ObjectIdentifier]) -> Bool {
        guard !creatorIDs.isEmpty, !key.hasStaleValue, let flight = joinable(key, running: running) else { return false }
        return waitGraph.wouldDeadlock(waitingOn: ObjectIdentifier(flight), from: creatorIDs)
    }

    /// Decides `key`'s outcome, registering a new flight when there is none to join, and records the
    /// wait of the caller's creators.
    private mutating func admit(
        _ key: PendingKey,
        running: RunningFlight?,
        caller: Caller,
        creatorIDs: [ObjectIdentifier]
    ) -> (outcome: Outcome, started: CacheFlight?) {
        let admitted: (outcome: Outcome, started: CacheFlight?)
        if let flight = joinable(key, running: running) {
            admitted = (key.hasStaleValue ? .serveStale : .join(flight), nil)
        } else if key.hasFailSafeValue, let until = failSafeThrottles[key.backendKey], caller.startTime < until {
            admitted = (.serveFailSafe, nil)
        } else if key.isDueForRefresh && isShuttingDown {
            // An eager refresh is background work: skipped, and the fresh value served.
            admitted = (.serveStale, nil)
        } else {
            let flight = CacheFlight(key: key.key, backendKey: key.backendKey, startTime: caller.startTime)
            flights[key.backendKey] = flight
            let inBackground = key.hasStaleValue && !isShuttingDown && (caller.backgroundRefresh || key.isDueForRefresh)
            admitted = (inBackground ? .refreshInBackground(flight) : .create(flight), flight)
        }
        if !creatorIDs.isEmpty, let awaited = admitted.outcome.awaitedFlight {
            waitGraph.addWait(on: ObjectIdentifier(awaited), from: creatorIDs)
        }
        return admitted
    }

    /// A creation ended: its flights leave the table (those not already replaced) and the generation
    /// moves on, before the region hands their results to the waiters, so that a caller arriving
    /// after a failure starts a new flight rather than joining the failed one.
    ///
    /// - Parameters:
    ///   - failedSafe: The backend keys of the flights that failed and were answered with a
    ///     fail-safe value: their callers are served such values until `throttleEnd`. The other
    ///     keys' throttles end.
    ///   - now: The region clock, for forgetting throttles that ended.
    mutating func finish(_ finished: [CacheFlight], failedSafe: Set<String> = [], throttleEnd: Double = 0, now: Double = 0) {
        for flight in finished where flights[flight.backendKey] === flight {
            flights[flight.backendKey] = nil
        }
        // Most creations neither fail safe nor end a throttle: they skip the lookups.
        if !failedSafe.isEmpty || !failSafeThrottles.isEmpty {
            for flight in finished {
                failSafeThrottles[flight.backendKey] = failedSafe.contains(flight.backendKey) ? throttleEnd : nil
            }
        }
        if failSafeThrottles.count > Self.throttlesKeptBeforePruning {
            failSafeThrottles = failSafeThrottles.filter { $0.value > now }
        }
        generation &+= 1
    }

    /// The region shuts down: from now on no creation starts in the background (a caller that
    /// regenerates a stale value waits for it, and eager refreshes are skipped). Returns the
    /// creations running now, for the region to wait for.
    mutating func beginShutdown() -> [CacheFlight] {
        isShuttingDown = true
        return Array(flights.values)
    }

    /// How many fail-safe throttles the table holds before it forgets the ones that ended.
    static let throttlesKeptBeforePruning = 1_000

    /// The creators of `creators` no longer wait on `flight`: forgets the wait ``register(_:)``
    /// recorded.
    mutating func stopWaiting(on flight: CacheFlight, from creators: [CacheFlight]) {
        waitGraph.removeWait(on: ObjectIdentifier(flight), from: creators.map(ObjectIdentifier.init))
    }
}

extension FlightTable.Outcome {
    /// The flight this outcome waits for, if any.
    var awaitedFlight: CacheFlight? {
        switch self {
        case .serveStale, .refreshInBackground, .serveFailSafe: nil
        case .join(let flight), .create(let flight): flight
        }
    }

    /// Whether the caller starts this outcome's creation.
    var startsCreation: Bool {
        switch self {
        case .serveStale, .join, .serveFailSafe: false
        case .create, .refreshInBackground: true
        }
    }
}
