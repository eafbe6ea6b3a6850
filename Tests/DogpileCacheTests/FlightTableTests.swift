@testable import DogpileCache
import Testing

/// The flight table's rules, driven event by event with no region, task or clock.
@Suite struct FlightTableTests {
    typealias PendingKey = FlightTable.PendingKey

    static func missing(_ key: String) -> PendingKey {
        PendingKey(key: key, backendKey: "b:\(key)", hasStaleValue: false)
    }

    static func stale(_ key: String) -> PendingKey {
        PendingKey(key: key, backendKey: "b:\(key)", hasStaleValue: true)
    }

    /// A request as the region builds it: looked up now, every running flight judged joinable unless
    /// listed in `hardInvalidated`.
    static func request(
        _ keys: [PendingKey],
        in table: FlightTable,
        creators: [CacheFlight] = [],
        generationSeen: UInt64? = nil,
        backgroundRefresh: Bool = false,
        hardInvalidated: [CacheFlight] = []
    ) -> FlightTable.Request {
        var running = table.lookUp(keys)
        for index in running.indices {
            if let flight = running[index]?.flight, hardInvalidated.contains(where: { $0 === flight }) {
                running[index]?.isJoinable = false
            }
        }
        return FlightTable.Request(
            keys: keys,
            running: running,
            caller: FlightTable.Caller(
                creators: creators,
                generationSeen: generationSeen ?? table.generation,
                startTime: 100,
                backgroundRefresh: backgroundRefresh
            )
        )
    }

    /// Registers `request`, expecting it to proceed.
    static func proceed(
        _ request: FlightTable.Request,
        in table: inout FlightTable,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> (outcomes: [FlightTable.Outcome], started: [CacheFlight], mustReread: Bool) {
        guard case .proceed(let outcomes, let started, let mustReread) = table.register(request) else {
            Issue.record("expected the registration to proceed", sourceLocation: sourceLocation)
            throw CancellationError()
        }
        return (outcomes, started, mustReread)
    }

    // Rule 2: one creation for a missing key, whoever asks.
    // The one-key events decide as a request of that one key does.
    @Test func oneKeyEventsDecideAsAOneKeyRequest() throws {
        var table = FlightTable()
        let caller = FlightTable.Caller(creators: [], generationSeen: table.generation, startTime: 100, backgroundRefresh: false)
        let missing = Self.missing("k")
        #expect(table.lookUp(missing) == nil)
        #expect(FlightTable.outcomeWithoutRegistering(missing, running: nil, caller: caller) == nil)
        guard case .proceed(.create(let flight), let started?, false) = table.register(missing, running: nil, caller: caller) else {
            Issue.record("the first caller should create")
            return
        }
        #expect(started === flight && flight.startTime == 100)

        // A later caller joins, and one with a stale value is served it, without registering.
        let running = try #require(table.lookUp(missing))
        guard case .join(let joined)? = FlightTable.outcomeWithoutRegistering(missing, running: running, caller: caller),
            case .serveStale? = FlightTable.outcomeWithoutRegistering(Self.stale("k"), running: running, caller: caller)
        else {
            Issue.record("later callers should join or be served stale")
            return
        }
        #expect(joined === flight)

        // A caller whose look-up is out of date looks again; the flight's own creator is refused.
        guard case .lookAgain = table.register(missing, running: nil, caller: caller) else {
            Issue.record("an out-of-date look-up should look again")
            return
        }
        var creator = caller
        creator.creators = [flight]
        guard case .refuseCycle(key: "k") = table.register(missing, running: running, caller: creator) else {
            Issue.record("waiting on its own flight should be refused")
            return
        }
    }

    @Test func theFirstCallerOfAMissingKeyCreatesAndTheOthersJoin() throws {
        var table = FlightTable()
        let first = try Self.proceed(Self.request([Self.missing("k")], in: table), in: &table)
        guard case .create(let flight) = first.outcomes[0] else {
            Issue.record("the first caller should create")
            return
        }
        #expect(first.started.count == 1 && first.started[0] === flight)
        #expect(flight.key == "k" && flight.backendKey == "b:k" && flight.startTime == 100)
        #expect(table.isCreating("b:k"))

        // A later caller outside any creator joins without registering...
        let later = Self.request([Self.missing("k")], in: table)
        guard case .join(let joined)? = FlightTable.outcomesWithoutRegistering(later)?.first else {
            Issue.record("a later caller should join without registering")
            return
        }
        #expect(joined === flight)
        // ...and joins the same flight when it does register.
        let registered = try Self.proceed(later, in: &table)
        guard case .join(let alsoJoined) = registered.outcomes[0] else {
            Issue.record("a registering caller should join")
            return
        }
        #expect(alsoJoined === flight && registered.started.isEmpty)
    }

    // Rule 3: a stale value is served to all but the caller regenerating it.
    @Test func aStaleKeyIsRegeneratedByOneCallerAndServedToTheOthers() throws {
        var table = FlightTable()
        let regenerating = try Self.proceed(Self.request([Self.stale("k")], in: table), in: &table)
        guard case .create = regenerating.outcomes[0] else {
            Issue.record("the first caller with a stale value should regenerate it")
            return
        }
        let other = Self.request([Self.stale("k")], in: table)
        guard case .serveStale? = FlightTable.outcomesWithoutRegistering(other)?.first else {
            Issue.record("another caller with the stale value should be served it")
            return
        }
        // A caller with no value still waits for the regeneration.
        guard case .join(let flight)? = FlightTable.outcomesWithoutRegistering(Self.request([Self.missing("k")], in: table))?.first else {
            Issue.record("a caller with no value should wait")
            return
        }
        #expect(flight === regenerating.started[0])
    }

    @Test func withBackgroundRefreshTheRegeneratingCallerIsServedTheStaleValueToo() throws {
        var table = FlightTable()
        let result = try Self.proceed(Self.request([Self.stale("k")], in: table, backgroundRefresh: true), in: &table)
        guard case .refreshInBackground(let flight) = result.outcomes[0] else {
            Issue.record("the regenerating caller should be served the stale value")
            return
        }
        #expect(result.started.count == 1 && result.started[0] === flight)
        // A missing key is still awaited.
        let missing = try Self.proceed(Self.request([Self.missing("m")], in: table, backgroundRefresh: true), in: &table)
        guard case .create = missing.outcomes[0] else {
            Issue.record("a missing key should be awaited")
            return
        }
    }

    // Shutdown: the creations running are handed to the region; none starts in the background after.
    @Test func afterShutdownBeginsNoCreationStartsInTheBackground() throws {
        var table = FlightTable()
        let running = try Self.proceed(Self.request([Self.stale("a"), Self.missing("b")], in: table, backgroundRefresh: true), in: &table)
        let awaited = table.beginShutdown()
        #expect(Set(awaited.map(ObjectIdentifier.init)) == Set(running.started.map(ObjectIdentifier.init)))
        #expect(table.isShuttingDown)

        // A stale key is regenerated by a caller that waits, even with background refresh on.
        let stale = try Self.proceed(Self.request([Self.stale("c")], in: table, backgroundRefresh: true), in: &table)
        guard case .create = stale.outcomes[0] else {
            Issue.record("a stale key should be regenerated in the foreground after shutdown")
            return
        }
        // A fresh value past its eager-refresh point is served without a refresh.
        var due = Self.stale("d")
        due.isDueForRefresh = true
        let eager = try Self.proceed(Self.request([due], in: table), in: &table)
        guard case .serveStale = eager.outcomes[0] else {
            Issue.record("an eager refresh should be skipped after shutdown")
            return
        }
        #expect(eager.started.isEmpty)
        #expect(!table.isCreating("b:d"))
        // Nothing else changes: a missing key is created, a running flight joined.
        let joined = try Self.proceed(Self.request([Self.missing("b")], in: table), in: &table)
        guard case .join = joined.outcomes[0] else {
            Issue.record("a running flight should still be joined")
            return
        }
    }

    // Rule 4: a finished creation leaves the table before its waiters resume; the next caller starts anew.
    @Test func aFinishedFlightIsGoneAndTheNextCallerCreatesAgain() throws {
        var table = FlightTable()
        let generation = table.generation
        let first = try Self.proceed(Self.request([Self.missing("k")], in: table), in: &table)
        table.finish(first.started)
        #expect(!table.isCreating("b:k"))
        #expect(table.generation == generation + 1)
        let next = try Self.proceed(Self.request([Self.missing("k")], in: table), in: &table)
        guard case .create(let flight) = next.outcomes[0] else {
            Issue.record("the next caller should create")
            return
        }
        #expect(flight !== first.started[0])
        #expect(!next.mustReread)
    }

    @Test func aCallerWhoseReadAFinishedCreationOvertookReadsAgainBeforeCreating() throws {
        var table = FlightTable()
        let generationBeforeRead = table.generation
        let other = try Self.proceed(Self.request([Self.missing("k")], in: table), in: &table)
        table.finish(other.started)
        // The late caller read "missing" before that creation stored its value.
        let late = try Self.proceed(Self.request([Self.missing("k")], in: table, generationSeen: generationBeforeRead), in: &table)
        #expect(late.mustReread)
    }

    @Test func aFlightChangedSinceTheLookUpIsLookedUpAgain() throws {
        var table = FlightTable()
        let stale = Self.request([Self.missing("k")], in: table)  // sees no flight
        _ = try Self.proceed(Self.request([Self.missing("k")], in: table), in: &table)
        guard case .lookAgain = table.register(stale) else {
            Issue.record("a registration from an outdated look-up should look again")
            return
        }
        #expect(table.flights.count == 1)
    }

    // A flight started before a hard invalidation would deliver a miss: a new one replaces it.
    @Test func aHardInvalidatedFlightIsReplacedAndFinishesOnItsOwn() throws {
        var table = FlightTable()
        let old = try Self.proceed(Self.request([Self.missing("k")], in: table), in: &table).started[0]
        #expect(FlightTable.outcomesWithoutRegistering(Self.request([Self.missing("k")], in: table, hardInvalidated: [old])) == nil)
        let replacing = try Self.proceed(Self.request([Self.missing("k")], in: table, hardInvalidated: [old]), in: &table)
        guard case .create(let new) = replacing.outcomes[0] else {
            Issue.record("a caller after a hard invalidation should create")
            return
        }
        table.finish([old])
        #expect(table.flights["b:k"] === new)
    }

    // Rule 7: a creator asking for its own key, directly or through others, is refused.
    @Test func aCreatorWaitingOnItsOwnFlightIsRefused() throws {
        var table = FlightTable()
        let outer = try Self.proceed(Self.request([Self.missing("a")], in: table), in: &table).started[0]
        guard case .refuseCycle(let key) = table.register(Self.request([Self.missing("a")], in: table, creators: [outer])) else {
            Issue.record("the wait should be refused")
            return
        }
        #expect(key == "a")
        #expect(table.waitGraph.isEmpty)
    }

    @Test func aCycleThroughAnotherCreatorIsRefusedAndOtherKeysAreNot() throws {
        var table = FlightTable()
        let a = try Self.proceed(Self.request([Self.missing("a")], in: table), in: &table).started[0]
        // a's creator asks for b: a new flight it waits on.
        let b = try Self.proceed(Self.request([Self.missing("b")], in: table, creators: [a]), in: &table).started[0]
        #expect(!table.waitGraph.isEmpty)
        // b's creator may ask for c...
        let c = try Self.proceed(Self.request([Self.missing("c")], in: table, creators: [b]), in: &table)
        #expect(c.started.count == 1)
        // ...but not for a, whose creator waits on b.
        guard case .refuseCycle(key: "a") = table.register(Self.request([Self.missing("a")], in: table, creators: [b])) else {
            Issue.record("the cycle should be refused")
            return
        }
        // A stale value served is no wait, hence no cycle.
        let served = try Self.proceed(Self.request([Self.stale("a")], in: table, creators: [b]), in: &table)
        guard case .serveStale = served.outcomes[0] else {
            Issue.record("the stale value should be served")
            return
        }
    }

    // Rule 5 for creators: a wait given up is forgotten.
    @Test func stoppedWaitsAreForgotten() throws {
        var table = FlightTable()
        let a = try Self.proceed(Self.request([Self.missing("a")], in: table), in: &table).started[0]
        let b = try Self.proceed(Self.request([Self.missing("b")], in: table, creators: [a]), in: &table).started[0]
        table.stopWaiting(on: b, from: [a])
        table.finish([a, b])
        #expect(table.isIdle)
    }

    // Rule 8: one registration for many keys, joining what runs and creating the rest once.
    @Test func aMultiCallJoinsRunningFlightsAndRegistersTheRestOnce() throws {
        var table = FlightTable()
        let running = try Self.proceed(Self.request([Self.missing("b")], in: table), in: &table).started[0]
        let keys = [Self.missing("a"), Self.missing("b"), Self.stale("c"), Self.missing("a")]
        let multi = try Self.proceed(Self.request(keys, in: table), in: &table)
        #expect(multi.started.map(\.key) == ["a", "c"])
        guard case .create(let a) = multi.outcomes[0], case .join(let b) = multi.outcomes[1],
            case .create(let c) = multi.outcomes[2], case .join(let repeated) = multi.outcomes[3]
        else {
            Issue.record("unexpected outcomes \(multi.outcomes)")
            return
        }
        #expect(b === running && a === multi.started[0] && c === multi.started[1])
        // The repeated key joins the flight registered for its first occurrence.
        #expect(repeated === a)
        #expect(FlightTable.outcomesWithoutRegistering(Self.request(keys, in: table)) != nil)
    }

    // Fail-safe: a creation answered with a fail-safe value throttles its key; callers holding a
    // fail-safe value are served it until the throttle ends; callers without one create; a success
    // ends the throttle.
    @Test func aFailedSafeCreationThrottlesItsKey() throws {
        var table = FlightTable()
        let failSafe = PendingKey(key: "k", backendKey: "b:k", hasStaleValue: false, hasFailSafeValue: true)
        func caller(at time: Double) -> FlightTable.Caller {
            FlightTable.Caller(creators: [], generationSeen: table.generation, startTime: time, backgroundRefresh: false)
        }
        guard case .proceed(.create(let first), _, _) = table.register(failSafe, running: nil, caller: caller(at: 100)) else {
            Issue.record("the first caller should create")
            return
        }
        table.finish([first], failedSafe: ["b:k"], throttleEnd: 130, now: 100)
        #expect(table.failSafeThrottles == ["b:k": 130])
        guard case .proceed(.serveFailSafe, nil, _) = table.register(failSafe, running: nil, caller: caller(at: 129)) else {
            Issue.record("within the throttle a caller with a fail-safe value is served it")
            return
        }
        guard case .proceed(.create, _?, _) = table.register(Self.missing("k"), running: nil, caller: caller(at: 129)) else {
            Issue.record("a caller without a fail-safe value creates")
            return
        }
        let running = try #require(table.lookUp(failSafe))
        table.finish([running.flight])
        #expect(table.failSafeThrottles.isEmpty, "a success ends the throttle")
        guard case .proceed(.create(let again), _, _) = table.register(failSafe, running: nil, caller: caller(at: 129)) else {
            Issue.record("with the throttle ended the caller creates")
            return
        }
        table.finish([again], failedSafe: ["b:k"], throttleEnd: 160, now: 130)
        guard case .proceed(.create, _?, _) = table.register(failSafe, running: nil, caller: caller(at: 160)) else {
            Issue.record("at the throttle's end the caller creates again")
            return
        }
    }
}
