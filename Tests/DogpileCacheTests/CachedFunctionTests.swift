import DogpileCache
import DogpileCacheTesting
import Foundation
import Testing

enum Plan: String, CacheKeyRepresentable {
    case free, pro
}

/// A user conformance whose number does not determine its key text. Key reuse must not trust such a
/// number (it was a public requirement once): only the library's own integer and `Bool` keys are reused.
struct Tenant: CacheKeyRepresentable {
    var id: Int
    var zone: String
    var cacheKey: String { "\(zone)/\(id)" }
    var cacheKeyIdentity: Int64? { Int64(id) }
}

/// A raw-representable key whose text is not its raw value's.
enum Level: Int, CacheKeyRepresentable {
    case low = 1, high = 2
    var cacheKey: String { self == .low ? "L" : "H" }
}

@Suite(.timeLimit(.minutes(1))) struct CachedFunctionTests {
    let region = try! CacheRegion(backend: MemoryBackend())

    @Test func keysForZeroOneAndThreeArguments() throws {
        let none = region.cacheOnArguments(name: "now") { () async throws -> Int in 0 }
        let one = region.cacheOnArguments(name: "user") { (id: Int) async throws -> Int in id }
        let three = region.cacheOnArguments(name: "search") { (query: String, page: Int, exact: Bool) async throws -> Int in page }
        #expect(try none.key() == "DogpileCacheTests:now|")
        #expect(try one.key(42) == "DogpileCacheTests:user|42")
        #expect(try three.key("swift", 2, true) == "DogpileCacheTests:search|swift 2 true")
    }

    @Test func keyReuseNeverTrustsAUserConformance() async throws {
        let tenantName = region.cacheOnArguments(name: "tenantName") { (tenant: Tenant) async throws -> String in tenant.cacheKey }
        let level = region.cacheOnArguments(name: "level") { (level: Level) async throws -> String in level.cacheKey }
        for _ in 0..<3 {
            #expect(try await tenantName(Tenant(id: 1, zone: "eu")) == "eu/1")
            #expect(try await tenantName(Tenant(id: 1, zone: "us")) == "us/1")
            #expect(try tenantName.key(Tenant(id: 1, zone: "us")) == "DogpileCacheTests:tenantName|us/1")
            #expect(try level.key(.low) == "DogpileCacheTests:level|L")
            #expect(try await level(.high) == "H")
        }
    }

    /// Keys of one-argument functions are reused from a 64-slot table: arguments sharing a slot must
    /// never get each other's key, whatever the order of calls.
    @Test func recentKeysNeverMixUpArguments() async throws {
        let user = region.cacheOnArguments(name: "recentUser") { (id: Int) async throws -> Int in id &* 2 }
        let large = region.cacheOnArguments(name: "recentLarge") { (id: UInt64) async throws -> UInt64 in id }
        let flag = region.cacheOnArguments(name: "recentFlag") { (on: Bool) async throws -> Bool in on }
        let plan = region.cacheOnArguments(name: "recentPlan") { (plan: Plan) async throws -> String in plan.rawValue }
        let ids = Array(-300...300) + [Int.min, Int.max]
        for round in 0..<3 {
            for id in round == 1 ? ids.reversed() : ids {
                #expect(try user.key(id) == "DogpileCacheTests:recentUser|\(id)")
                #expect(try await user(id) == id &* 2)
            }
        }
        for id: UInt64 in [0, 1, UInt64(Int64.max), UInt64(Int64.max) + 1, UInt64.max, 0] {
            #expect(try large.key(id) == "DogpileCacheTests:recentLarge|\(id)")
            #expect(try await large(id) == id)
        }
        for on in [true, false, true, false] {
            #expect(try flag.key(on) == "DogpileCacheTests:recentFlag|\(on)")
            #expect(try await flag(on) == on)
        }
        for value in [Plan.free, .pro, .free] {
            #expect(try plan.key(value) == "DogpileCacheTests:recentPlan|\(value.rawValue)")
            #expect(try await plan(value) == value.rawValue)
        }
    }

    /// Every integer type whose keys are reused keeps its own values apart, its extremes and negatives
    /// included, and gets the key text of its value, however recently another value used the slot.
    @Test func recentKeysOfEveryIntegerType() async throws {
        func check<Number: FixedWidthInteger & CacheKeyRepresentable>(_ type: Number.Type) async throws {
            let function = region.cacheOnArguments(name: "every\(Number.self)") { (number: Number) async throws -> String in
                "\(number)"
            }
            let values: [Number] = [.min, .max, 0, 1, .max - 1, .min + 1, 0, .min, .max]
            for value in values {
                #expect(try function.key(value) == "DogpileCacheTests:every\(Number.self)|\(value)")
                #expect(try await function(value) == "\(value)")
            }
        }
        try await check(Int.self)
        try await check(Int64.self)
        try await check(Int32.self)
        try await check(Int16.self)
        try await check(Int8.self)
        try await check(UInt.self)
        try await check(UInt64.self)
        try await check(UInt32.self)
        try await check(UInt16.self)
        try await check(UInt8.self)
    }

    /// The reused keys live in a table per thread, shared by every function: tasks on every thread,
    /// calling 300 functions (more than the table has slots, so some share slots for every argument),
    /// each get their own function's key for their own argument.
    @Test(.timeLimit(.minutes(1))) func recentKeysNeverMixUpAcrossThreadsAndFunctions() async throws {
        let functions = (0..<300).map { number in
            region.cacheOnArguments(name: "threadFunction\(number)") { (id: Int) async throws -> Int in id &+ number }
        }
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<4 {
                group.addTask {
                    var mismatches = 0
                    for round in 0..<5 {
                        for id in 0..<40 {
                            let id = (id &* 7 &+ task &+ round) % 40
                            for (number, function) in functions.enumerated()
                            where try function.key(id) != "DogpileCacheTests:threadFunction\(number)|\(id)" {
                                mismatches += 1
                            }
                        }
                        await Task.yield()  // lets the task move to another thread
                    }
                    return mismatches
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        #expect(try await functions[7](5) == 12)
    }

    @Test func keysWithANamespace() throws {
        let one = region.cacheOnArguments(name: "user", namespace: "v1") { (id: Int) async throws -> Int in id }
        let none = region.cacheOnArguments(name: "now", namespace: "v1") { () async throws -> Int in 0 }
        #expect(try one.key(42) == "DogpileCacheTests:user|v1|42")
        #expect(try none.key() == "DogpileCacheTests:now|v1|")
    }

    @Test func keysWithUnicodeOptionalsAndOtherTypes() throws {
        let function = region.cacheOnArguments(name: "f") {
            (text: String, nickname: String?, plan: Plan, ratio: Double, id: UUID) async throws -> Int in 0
        }
        let id = UUID(uuidString: "E621E1F8-C36C-495A-93FC-0C247A3E6E5F")!
        #expect(try function.key("méil drôle", nil, .pro, 1.5, id) == #"DogpileCacheTests:f|méil\ drôle \N pro 1.5 E621E1F8-C36C-495A-93FC-0C247A3E6E5F"#)
        #expect(try function.key("日本", "Bob", .free, 0.1, id) == "DogpileCacheTests:f|日本 Bob free 0.1 E621E1F8-C36C-495A-93FC-0C247A3E6E5F")
    }

    @Test func argumentTextNeverRunsIntoAnotherArgument() throws {
        let one = region.cacheOnArguments(name: "g") { (a: String) async throws -> Int in 0 }
        let two = region.cacheOnArguments(name: "g2") { (a: String, b: String) async throws -> Int in 0 }
        let optional = region.cacheOnArguments(name: "h") { (a: String?) async throws -> Int in 0 }
        #expect(try two.key("a b", "c") != two.key("a", "b c"))
        #expect(try two.key("a b", "c") == #"DogpileCacheTests:g2|a\ b c"#)
        #expect(try one.key("x|y") == #"DogpileCacheTests:g|x\|y"#)
        #expect(try one.key(#"back\slash"#) == #"DogpileCacheTests:g|back\\slash"#)
        #expect(try optional.key(nil) != optional.key(#"\N"#))
        #expect(try optional.key(#"\N"#) == #"DogpileCacheTests:h|\\N"#)
        // Protocol text and control characters stay whole inside their argument; a backend that cannot
        // take them rejects the key or mangles it (see its own tests), it is never cut short.
        #expect(try two.key("a\r\nflush_all", "b") == "DogpileCacheTests:g2|a\r\nflush_all b")
    }

    @Test func namespacesKeepFunctionsApart() async throws {
        let v1 = region.cacheOnArguments(name: "user", namespace: "v1") { (id: Int) async throws -> String in "v1 \(id)" }
        let v2 = region.cacheOnArguments(name: "user", namespace: "v2") { (id: Int) async throws -> String in "v2 \(id)" }
        #expect(try await v1(1) == "v1 1")
        #expect(try await v2(1) == "v2 1")
        #expect(try v1.key(1) != v2.key(1))
    }

    @Test func customKeyGeneratorPerWrapperAndPerRegion() async throws {
        let generator = FunctionKeyGenerator { function, arguments in
            "\(function.name):" + arguments.joined(separator: ",")
        }
        let perWrapper = region.cacheOnArguments(name: "sum", keyGenerator: generator) { (a: Int, b: Int) async throws -> Int in a + b }
        #expect(try perWrapper.key(1, 2) == "sum:1,2")
        #expect(try await perWrapper(1, 2) == 3)
        #expect(try await region.get("sum:1,2", as: Int.self) == 3)

        let customRegion = try CacheRegion(backend: MemoryBackend(), functionKeyGenerator: generator)
        let perRegion = customRegion.cacheOnArguments(name: "product") { (a: Int, b: Int) async throws -> Int in a * b }
        #expect(try perRegion.key(3, 4) == "product:3,4")
    }

    @Test func theSameWrapperMadeAgainHasTheSameKeys() throws {
        let first = makeLoadUser(region)
        let second = makeLoadUser(region)
        #expect(try first.key(7) == "DogpileCacheTests:loadUser|7")
        #expect(try first.key(7) == second.key(7))
        // Another region computes the same key for the same call (another process would too).
        #expect(try makeLoadUser(CacheRegion()).key(7) == first.key(7))
    }

    @Test func wrappersThatWouldShareKeysAreToldApart() async throws {
        let first = region.cacheOnArguments(name: "pick") { (id: Int) async throws -> String in "first \(id)" }
        let second = region.cacheOnArguments(name: "pick") { (id: Int) async throws -> String in "second \(id)" }
        #expect(try await first(1) == "first 1")
        let error = await #expect(throws: CacheError.self) { try await second(1) }
        #expect(error?.code == .keyCollision)
        let named = region.cacheOnArguments(name: "pick", namespace: "other") { (id: Int) async throws -> String in "named \(id)" }
        #expect(try await named(1) == "named 1")
    }

    @Test func wrappersMadeAtOnePlaceForOtherTypesAreToldApart() async throws {
        @Sendable func make<Value: Sendable>(_ value: Value) -> CachedFunction<Int, Value> {
            region.cacheOnArguments(name: "generic") { (_: Int) async throws -> Value in value }
        }
        let strings = make("text")
        let numbers = make(42)
        #expect(try await strings(1) == "text")
        let error = await #expect(throws: CacheError.self) { try await numbers(1) }
        #expect(error?.code == .keyCollision)
    }

    @Test func nestedOptionalsAndTheNilMarkerHaveDistinctKeys() throws {
        let nested = region.cacheOnArguments(name: "nested") { (a: Int??) async throws -> Int in 0 }
        let keys = try [nested.key(nil), nested.key(.some(nil)), nested.key(.some(.some(1)))]
        #expect(Set(keys).count == 3)
        #expect(keys == [#"DogpileCacheTests:nested|\N"#, #"DogpileCacheTests:nested|\S\N"#, #"DogpileCacheTests:nested|\S1"#])
    }

    @Test func customGeneratorsGetEscapedPartsThatTellNilFromItsMarker() throws {
        let generator = FunctionKeyGenerator { function, arguments in
            function.name + "/" + arguments.joined(separator: "/")
        }
        let optional = region.cacheOnArguments(name: "o", keyGenerator: generator) { (a: String?) async throws -> Int in 0 }
        #expect(try optional.key(nil) == #"o/\N"#)
        #expect(try optional.key(#"\N"#) == #"o/\\N"#)
        #expect(try optional.key("a b") == #"o/a\ b"#)
    }

    @Test func refreshBeforeConfigureDoesNotRunTheFunction() async throws {
        let later = CacheRegion(name: "later")
        let calls = CreatorLog()
        let counted = later.cacheOnArguments(name: "counted") { (n: Int) async throws -> Int in
            calls.record()
            return n
        }
        let error = await #expect(throws: CacheError.self) { try await counted.refresh(1) }
        #expect(error?.code == .regionNotConfigured)
        #expect(calls.calls == 0)
    }

    @Test func invalidateRefreshSetGetAndOriginal() async throws {
        let calls = CreatorLog()
        let square = region.cacheOnArguments(name: "square") { (n: Int) async throws -> Int in
            calls.record()
            return n * n + calls.calls * 1_000
        }
        #expect(try await square(3) == 1_009)
        #expect(try await square(3) == 1_009)
        #expect(try await square(4) == 2_016)
        #expect(try await square.get(3) == 1_009)
        #expect(try await square.get(5) == nil)
        try await square.invalidate(3)
        #expect(try await square.get(3) == nil)
        #expect(try await square.get(4) == 2_016)  // invalidate removed only its own key
        #expect(try await square.refresh(4) == 3_016)  // refresh runs the function and stores
        #expect(try await square(4) == 3_016)
        try await square.set(-1, 5)
        #expect(try await square(5) == -1)  // set: no run
        #expect(try await square.original(5) == 4_025)
        #expect(try await square(5) == -1)  // original does not cache
        #expect(calls.calls == 4)
    }

    @Test func wrappersMadeBeforeConfigureThrowUntilConfigured() async throws {
        let later = CacheRegion(name: "later")
        let double = later.cacheOnArguments(name: "double") { (n: Int) async throws -> Int in n * 2 }
        let error = await #expect(throws: CacheError.self) { try await double(2) }
        #expect(error?.code == .regionNotConfigured)
        #expect(try await double.original(2) == 4)
        try await later.configure(backend: MemoryBackend())
        #expect(try await double(2) == 4)
    }

    @Test func expirationAsAValueAndAsAClosureEvaluatedOnEveryCall() async throws {
        let clock = ManualCacheClock()
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1), clock: clock)
        let calls = CreatorLog()
        let fixed = region.cacheOnArguments(name: "fixed", expirationTime: .seconds(10)) { () async throws -> Int in
            calls.record()
            return calls.calls
        }
        let seconds = LockedValue<Double>(100)
        let dynamic = region.cacheOnArguments(name: "dynamic", expirationTime: .computed { .seconds(seconds.withLock { $0 }) }) {
            () async throws -> Int in
            calls.record()
            return calls.calls
        }
        #expect(try await fixed() == 1)
        #expect(try await dynamic() == 2)
        clock.advance(by: 11)
        #expect(try await fixed() == 3)
        #expect(try await dynamic() == 2)
        seconds.withLock { $0 = 5 }  // e.g. "until midnight" getting closer
        #expect(try await dynamic() == 4)
    }

    @Test func thousandConcurrentCallsRunTheFunctionOnce() async throws {
        let gate = CreationGate()
        let calls = CreatorLog()
        let slow = region.cacheOnArguments(name: "slow") { (id: Int) async throws -> String in
            calls.record()
            await gate.wait()
            return "value \(id)"
        }
        try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<1_000 {
                group.addTask { try await slow(7) }
            }
            try await waitUntil { region.statistics.coalescedWaiters == 999 }
            gate.open()
            for try await value in group {
                #expect(value == "value 7")
            }
        }
        #expect(calls.calls == 1)
    }

    @Test func wrapperAndPlainRegionCallsShareOneFlight() async throws {
        let gate = CreationGate()
        let calls = CreatorLog()
        let wrapped = region.cacheOnArguments(name: "shared") { (id: Int) async throws -> String in
            calls.record()
            await gate.wait()
            return "from wrapper"
        }
        let viaWrapper = Task { try await wrapped(1) }
        try await waitUntil { gate.parked == 1 }
        let viaRegion = Task { try await region.getOrCreate(try wrapped.key(1)) { "from region" } }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        gate.open()
        #expect(try await viaWrapper.value == "from wrapper")
        #expect(try await viaRegion.value == "from wrapper")
        #expect(calls.calls == 1)
    }

    @Test func errorsReachEveryCallerAndAreNotCached() async throws {
        let gate = CreationGate()
        let calls = CreatorLog()
        let flaky = region.cacheOnArguments(name: "flaky") { (id: Int) async throws -> Int in
            calls.record()
            if calls.calls == 1 {
                await gate.wait()
                throw CreatorFailure(attempt: 1)
            }
            return id
        }
        let first = Task { try await flaky(1) }
        let second = Task { try await flaky(1) }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        gate.open()
        await #expect(throws: CreatorFailure(attempt: 1)) { try await first.value }
        await #expect(throws: CreatorFailure(attempt: 1)) { try await second.value }
        #expect(try await flaky(1) == 1)
        #expect(calls.calls == 2)
    }

    @Test func aCancelledCallerLeavesAndTheOtherGetsTheValue() async throws {
        let gate = CreationGate()
        let slow = region.cacheOnArguments(name: "cancellable") { (id: Int) async throws -> Int in
            await gate.wait()
            return id * 10
        }
        let leaving = Task { try await slow(3) }
        let staying = Task { try await slow(3) }
        try await waitUntil { region.statistics.coalescedWaiters == 1 }
        leaving.cancel()
        await #expect(throws: CancellationError.self) { try await leaving.value }
        gate.open()
        #expect(try await staying.value == 30)
        #expect(try await slow.get(3) == 30)
    }

    @Test func shouldCacheApplies() async throws {
        let calls = CreatorLog()
        let maybe = region.cacheOnArguments(name: "maybe", shouldCache: { $0 >= 0 }) { (n: Int) async throws -> Int in
            calls.record()
            return n
        }
        #expect(try await maybe(-1) == -1)
        #expect(try await maybe(-1) == -1)
        #expect(try await maybe(1) == 1)
        #expect(try await maybe(1) == 1)
        #expect(calls.calls == 3)
    }
}

func makeLoadUser(_ region: CacheRegion) -> CachedFunction<Int, String> {
    region.cacheOnArguments(name: "loadUser") { (id: Int) async throws -> String in "user \(id)" }
}
