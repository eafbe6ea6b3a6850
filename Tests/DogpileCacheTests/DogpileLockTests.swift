@testable import DogpileCache
import DogpileCacheTesting
import Testing

@Suite(.timeLimit(.minutes(2))) struct DogpileLockTests {
    @Test(arguments: RaceBackend.allCases) func tenThousandCallersOfAMissingKeyShareOneCreation(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let log = CreatorLog()
        let callers = 10_000
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<callers {
                group.addTask {
                    try await region.getOrCreate("hot") {
                        log.record()
                        await gate.wait()
                        return "created once"
                    }
                }
            }
            // Every caller but the creating one has joined the flight before it is released.
            try await waitUntil { region.statistics.coalescedWaiters == callers - 1 }
            gate.open()
            var served = 0
            for try await value in group {
                #expect(value == "created once")
                served += 1
            }
            #expect(served == callers)
        }
        #expect(log.calls == 1)
        #expect(region.statistics.creations == 1)
        #expect(try await region.get("hot", as: String.self) == "created once")
    }

    @Test(arguments: RaceBackend.allCases) func staleValueIsServedToEveryCallerWhileBackgroundRefreshIsParked(backend: RaceBackend) async throws {
        let clock = ManualCacheClock()
        let region = try backend.region(expirationTime: .seconds(10), clock: clock, backgroundRefresh: true)
        try await region.set("k", "stale")
        clock.advance(by: 11)
        let gate = CreationGate()
        let log = CreatorLog()
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<1_000 {
                group.addTask {
                    try await region.getOrCreate("k") {
                        log.record()
                        await gate.wait()
                        return "fresh"
                    }
                }
            }
            // All 1,000 return while the creator is still parked.
            for try await value in group {
                #expect(value == "stale")
            }
        }
        #expect(region.statistics.staleServed == 1_000)
        try await waitUntil { gate.parked == 1 }
        #expect(log.calls == 1)
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
        #expect(try await region.get("k", as: String.self) == "fresh")
        #expect(log.calls == 1)
    }

    @Test(arguments: RaceBackend.allCases) func staleValueIsServedToEveryCallerButTheRegenerating(backend: RaceBackend) async throws {
        let clock = ManualCacheClock()
        let region = try backend.region(expirationTime: .seconds(10), clock: clock)
        try await region.set("k", "stale")
        clock.advance(by: 11)
        let gate = CreationGate()
        let log = CreatorLog()
        let creator: @Sendable () async throws -> String = {
            log.record()
            await gate.wait()
            return "fresh"
        }
        let regenerating = Task { try await region.getOrCreate("k", creator: creator) }
        try await waitUntil { try await region.isKeyLocked("k") }
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<1_000 {
                group.addTask { try await region.getOrCreate("k", creator: creator) }
            }
            for try await value in group {
                #expect(value == "stale")
            }
        }
        gate.open()
        #expect(try await regenerating.value == "fresh")
        #expect(log.calls == 1)
        // Each of the 1,001 callers is counted once: the regenerating one waited, so it is a miss.
        let statistics = region.statistics
        #expect(statistics.misses == 1 && statistics.staleServed == 1_000 && statistics.hits == 0)
        #expect(try await region.get("k", as: String.self) == "fresh")
    }

    @Test(arguments: RaceBackend.allCases) func cancelledWaitersLeaveAtOnceAndTheLastGetsTheValue(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let log = CreatorLog()
        let creator: @Sendable () async throws -> Int = {
            log.record()
            await gate.wait()
            return 7
        }
        let waiters = (0..<1_000).map { _ in Task { try await region.getOrCreate("k", creator: creator) } }
        try await waitUntil { region.statistics.coalescedWaiters == 999 }
        for waiter in waiters.dropLast() {
            waiter.cancel()
        }
        // Each cancelled caller finishes while the creator is still parked.
        for waiter in waiters.dropLast() {
            await #expect(throws: CancellationError.self) { try await waiter.value }
        }
        #expect(gate.parked == 1)
        gate.open()
        #expect(try await waiters.last!.value == 7)
        #expect(log.calls == 1)
        #expect(try await region.get("k", as: Int.self) == 7)
    }

    @Test(arguments: RaceBackend.allCases) func valueIsStoredEvenWhenEveryWaiterLeft(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let waiter = Task {
            try await region.getOrCreate("k") {
                await gate.wait()
                return "kept"
            }
        }
        try await waitUntil { gate.parked == 1 }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        gate.open()
        try await waitUntil { try await !region.isKeyLocked("k") }
        #expect(try await region.get("k", as: String.self) == "kept")
    }

    @Test(arguments: RaceBackend.allCases) func alreadyCancelledCallerDoesNotWait(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let first = Task {
            try await region.getOrCreate("k") {
                await gate.wait()
                return 1
            }
        }
        try await waitUntil { gate.parked == 1 }
        let late = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await region.getOrCreate("k") { 2 }
        }
        await #expect(throws: CancellationError.self) { try await late.value }
        gate.open()
        #expect(try await first.value == 1)
    }

    @Test(arguments: RaceBackend.allCases) func creatorErrorReachesEveryWaiterAndIsNotCached(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let log = CreatorLog()
        let failing: @Sendable () async throws -> Int = {
            log.record()
            await gate.wait()
            throw CreatorFailure(attempt: log.calls)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 {
                group.addTask {
                    await #expect(throws: CreatorFailure(attempt: 1)) {
                        try await region.getOrCreate("k", creator: failing)
                    }
                }
            }
            try await waitUntil { region.statistics.coalescedWaiters == 99 }
            gate.open()
            try await group.waitForAll()
        }
        #expect(log.calls == 1)
        #expect(try await region.get("k", as: Int.self) == nil)
        #expect(try await region.getOrCreate("k") { 5 } == 5)
    }

    @Test(arguments: RaceBackend.allCases) func creatorMayAskForOtherKeys(backend: RaceBackend) async throws {
        let region = try backend.region()
        let value = try await region.getOrCreate("outer") {
            let inner = try await region.getOrCreate("inner") { 20 }
            let many = try await region.getOrCreateMulti(["a", "b"]) { keys in keys.map { _ in 1 } }
            return inner + many.reduce(0, +)
        }
        #expect(value == 22)
    }

    @Test(arguments: RaceBackend.allCases) func creatorAskingForItsOwnKeyGetsAClearError(backend: RaceBackend) async throws {
        let region = try backend.region()
        let error = await #expect(throws: CacheError.self) {
            try await region.getOrCreate("self") {
                try await region.getOrCreate("self") { 1 }
            }
        }
        #expect(error?.code == .recursiveCreation)
        #expect(error?.message.contains("'self'") == true)
        // The failed flight is gone: the key works again.
        #expect(try await region.getOrCreate("self") { 2 } == 2)
    }

    @Test(arguments: RaceBackend.allCases) func recursionThroughAnotherKeyIsDetected(backend: RaceBackend) async throws {
        let region = try backend.region()
        let error = await #expect(throws: CacheError.self) {
            try await region.getOrCreate("a") {
                try await region.getOrCreate("b") {
                    try await region.getOrCreate("a") { 1 }
                }
            }
        }
        #expect(error?.code == .recursiveCreation)
    }

    @Test(arguments: RaceBackend.allCases) func waiterOfAnotherTypeGetsTypeMismatch(backend: RaceBackend) async throws {
        let region = try backend.region()
        let gate = CreationGate()
        let creating = Task {
            try await region.getOrCreate("k") {
                await gate.wait()
                return 1
            }
        }
        try await waitUntil { gate.parked == 1 }
        let mismatched = Task { try await region.getOrCreate("k") { "text" } }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        gate.open()
        #expect(try await creating.value == 1)
        let error = await #expect(throws: CacheError.self) { try await mismatched.value }
        #expect(error?.code == .typeMismatch)
    }
}

@Suite(.timeLimit(.minutes(1))) struct CreatorCycleTests {
    @Test(arguments: RaceBackend.allCases) func twoCallersWhoseCreatorsNeedEachOtherDoNotHang(backend: RaceBackend) async throws {
        let region = try backend.region()
        let bothStarted = CreationGate()
        let started = CreatorLog()
        @Sendable func creator(_ own: String, needs other: String) -> @Sendable () async throws -> String {
            {
                started.record([own])
                if started.calls == 2 { bothStarted.open() }
                await bothStarted.wait()
                let dependency = try await region.getOrCreate(other, creator: creator(other, needs: own))
                return "\(own) after \(dependency)"
            }
        }
        let first = Task { try await region.getOrCreate("a", creator: creator("a", needs: "b")) }
        let second = Task { try await region.getOrCreate("b", creator: creator("b", needs: "a")) }
        // One creator is refused; the error reaches both callers instead of a hang.
        for task in [first, second] {
            let error = await #expect(throws: CacheError.self) { try await task.value }
            #expect(error?.code == .recursiveCreation)
        }
        #expect(try await region.getOrCreate("a") { "a alone" } == "a alone")
    }

    @Test(arguments: RaceBackend.allCases) func aCreatorServedAStaleValueIsNotACycle(backend: RaceBackend) async throws {
        let clock = ManualCacheClock()
        let region = try backend.region(expirationTime: .seconds(10), clock: clock, backgroundRefresh: true)
        try await region.set("b", "old b")
        clock.advance(by: 11)
        let gate = CreationGate()
        // a's creator is served b's stale value and starts b's refresh in the background; b's refresh
        // then waits for a, which waits for nothing: no cycle, both finish.
        let a = Task {
            try await region.getOrCreate("a") {
                let b = try await region.getOrCreate("b") {
                    "new b with \(try await region.getOrCreate("a") { "unused" })"
                }
                await gate.wait()
                return "a with \(b)"
            }
        }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }  // b's refresh waits for a
        gate.open()
        #expect(try await a.value == "a with old b")
        try await waitUntil { try await !region.isKeyLocked("b") }
        #expect(try await region.get("b", as: String.self) == "new b with a with old b")
    }
}

/// A memory backend whose next read can be held after it has read, to reproduce a caller whose
/// read is overtaken by a whole creation.
final class HeldReadBackend: AsyncCacheBackend {
    let storage = MemoryBackend()
    let holdNextRead = LockedValue<CreationGate?>(nil)

    func get(_ key: String) async throws -> CachedValue? {
        let value = try await storage.get(key)
        if let gate = holdNextRead.withLock({ gate in defer { gate = nil }; return gate }) {
            await gate.wait()
        }
        return value
    }

    func set(_ key: String, _ value: CachedValue) async throws { try await storage.set(key, value) }
    func delete(_ key: String) async throws { try await storage.delete(key) }
}

@Suite(.timeLimit(.minutes(1))) struct FlightOrderingTests {
    @Test func aReadOvertakenByACreationDoesNotCreateAgain() async throws {
        let backend = HeldReadBackend()
        let region = try CacheRegion(backend: backend)
        let log = CreatorLog()
        let creator: @Sendable () async throws -> String = {
            log.record()
            return "v\(log.calls)"
        }
        let held = CreationGate()
        backend.holdNextRead.withLock { $0 = held }
        // This caller reads "missing", then is held before it reaches the in-flight map...
        let late = Task { try await region.getOrCreate("k", creator: creator) }
        try await waitUntil { held.parked == 1 }
        // ...while another caller creates and stores the value and its flight finishes.
        #expect(try await region.getOrCreate("k", creator: creator) == "v1")
        held.open()
        // The late caller re-reads instead of creating a second time.
        #expect(try await late.value == "v1")
        #expect(log.calls == 1)
    }

    @Test(arguments: RaceBackend.allCases) func hardInvalidationDuringACreationStartsANewOne(backend: RaceBackend) async throws {
        let clock = ManualCacheClock()
        let region = try backend.region(clock: clock)
        let firstGate = CreationGate()
        let first = try await startParkedCreation(in: region, key: "k", gate: firstGate, returning: "read before")
        clock.advance(by: 1)
        try await region.invalidate(hard: true)
        // A caller arriving after the invalidation does not join the older creation.
        let secondGate = CreationGate()
        let second = Task {
            try await region.getOrCreate("k") {
                await secondGate.wait()
                return "read after"
            }
        }
        try await waitUntil { secondGate.parked == 1 }
        firstGate.open()
        #expect(try await first.value == "read before")
        // The older value, stamped with its creation's start, is a miss, not a fresh hit.
        #expect(try await region.get("k", as: String.self) == nil)
        secondGate.open()
        #expect(try await second.value == "read after")
        #expect(try await region.get("k", as: String.self) == "read after")
    }
}

@Suite(.timeLimit(.minutes(1)))
struct NestedCreationTests {
    /// Each key's creator asks for the next key down, 20,000 levels deep: creations that never
    /// suspend start on their caller's thread, and must not nest without bound on its stack.
    @Test(arguments: RaceBackend.allCases) func creatorsCallingCreatorsTwentyThousandDeepDoNotExhaustTheStack(backend: RaceBackend) async throws {
        let region = try backend.region(expirationTime: .hours(1))
        @Sendable func depth(_ level: Int) async throws -> Int {
            try await region.getOrCreate("depth:\(level)") {
                level == 0 ? 0 : try await depth(level - 1) + 1
            }
        }
        #expect(try await depth(20_000) == 20_000)
        #expect(try await region.get("depth:1000", as: Int.self) == 1_000)
        #expect(region.flightTable.withLock { $0.flights.isEmpty && $0.waitGraph.isEmpty })
    }

    /// A creator whose multi call fails on its first key must not leave its wait on the second key
    /// recorded: stale waits make later waits look like cycles.
    @Test(arguments: RaceBackend.allCases) func aFailedMultiCallInsideACreatorLeavesNoWaitBehind(backend: RaceBackend) async throws {
        let region = try backend.region(expirationTime: .hours(1))
        let failing = CreationGate()
        let succeeding = CreationGate()
        let first = Task {
            try await region.getOrCreate("first") { () async throws -> String in
                await failing.wait()
                throw CreatorFailure(attempt: 1)
            }
        }
        let second = try await startParkedCreation(in: region, key: "second", gate: succeeding, returning: "two")
        try await waitUntil { try await region.isKeyLocked("first") }
        let outer = Task {
            try await region.getOrCreate("outer") { () async throws -> String in
                try await region.getOrCreateMulti(["first", "second"]) { $0 }.joined()
            }
        }
        try await waitUntil { region.flightTable.withLock { !$0.waitGraph.isEmpty } }
        failing.open()
        await #expect(throws: CreatorFailure.self) { try await outer.value }
        succeeding.open()
        _ = try? await first.value
        #expect(try await second.value == "two")
        #expect(region.flightTable.withLock { $0.flights.isEmpty && $0.waitGraph.isEmpty })
    }
}
