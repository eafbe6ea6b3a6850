import DogpileCache
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

// The comparison's workloads in Swift, the same as Benchmarks/compare/dogpile_workloads.py runs in
// Python. Prints one line per figure, "<name> <value>":
//     CompareWorkloads memory           ops/s of hits, cached-function hits, miss+create+store, the
//                                       Mutex floor, and the stampede of 10,000 tasks
//     CompareWorkloads entries [count] [bounded]
//                                       resident bytes per entry of 100-byte strings in MemoryBackend,
//                                       unbounded or bounded at `count`
//     CompareWorkloads bounded          a bounded MemoryBackend's figures: the hit at a bound of
//                                       1,000,000 beside the Mutex floor, one task against two on
//                                       different keys, and inserts at the bound against inserts
//                                       into an unbounded store
//     CompareWorkloads floors           ops/s of what a miss cannot avoid: storing a new key in
//                                       MemoryBackend, and starting and awaiting a task
//     CompareWorkloads fleet            the fleet's in-memory figures: a local-tier hit against a
//                                       bounded memory region's, and hits of values with three tags
//                                       (created after a tag invalidation, and before one) against
//                                       an untagged one

/// Runs `body` in a task (an `await` into an actor from the main thread costs far more) and returns
/// operations per second.
func rate(_ operations: Int, _ body: @escaping @Sendable (Int) async throws -> Void) async throws -> Int {
    try await Task.detached {
        let started = ContinuousClock.now
        try await body(operations)
        let elapsed = ContinuousClock.now - started
        return Int(Double(operations) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)))
    }.value
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

func report(_ name: String, _ value: some CustomStringConvertible) {
    print("\(name) \(value)")
}

func memoryWorkloads() async throws {
    let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
    let value = String(repeating: "v", count: 100)
    try await region.set("user:42", value)
    report("memory_hit", try await rate(5_000_000) { count in
        for _ in 0..<count {
            _ = try await region.getOrCreate("user:42") { "x" }
        }
    })

    let loadUser = region.cacheOnArguments(name: "loadUser") { (id: Int) async throws -> String in
        String(repeating: "u", count: 100)
    }
    _ = try await loadUser(42)
    report("function_hit", try await rate(2_000_000) { count in
        for _ in 0..<count {
            _ = try await loadUser(42)
        }
    })

    report("miss_create_store", try await rate(500_000) { count in
        for index in 0..<count {
            _ = try await region.getOrCreate("miss:\(index)") { value }
        }
    })

    report("mutex_floor", try await mutexFloor(5_000_000))

    try await stampede()
}

/// 10,000 tasks ask for one missing key whose creator takes 10 ms.
func stampede() async throws {
    let stampede = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
    let creatorCalls = Counter()
    let wall = try await Task.detached {
        let started = ContinuousClock.now
        // Unstructured tasks: a task group of 10,000 children spends most of the time unlinking them
        // (the runtime scans its child list on each removal).
        let callers = (0..<10_000).map { _ in
            Task {
                try await stampede.getOrCreate("stampede") {
                    creatorCalls.value.add(1, ordering: .relaxed)
                    try await Task.sleep(for: .milliseconds(10))
                    return "made"
                }
            }
        }
        for caller in callers {
            let made = try await caller.value
            precondition(made == "made")
        }
        return ContinuousClock.now - started
    }.value
    report("stampede_creator_calls", creatorCalls.value.load(ordering: .relaxed))
    report("stampede_ms", Int((Double(wall.components.attoseconds) / 1e15 + Double(wall.components.seconds) * 1000).rounded()))
}

/// Ops/s of one Mutex<[String: String]> lookup of a hot key: what a hit cannot beat.
func mutexFloor(_ operations: Int) async throws -> Int {
    let floor = Mutex<[String: String]>(["user:42": String(repeating: "v", count: 100)])
    return try await rate(operations) { count in
        var total = 0
        for _ in 0..<count {
            total &+= floor.withLock { $0["user:42"] }!.utf8.count
        }
        precondition(total > 0)
    }
}

/// Total ops/s of `tasks` tasks at once, each running `body` `operations` times with its own index.
func parallelRate(tasks: Int, _ operations: Int, _ body: @escaping @Sendable (Int, Int) async throws -> Void) async throws -> Int {
    let started = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            group.addTask { try await body(task, operations) }
        }
        try await group.waitForAll()
    }
    let elapsed = ContinuousClock.now - started
    return Int(Double(tasks * operations) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)))
}

func boundedWorkloads() async throws {
    let bound = 1_000_000
    let backend = try MemoryBackend(maxEntries: bound)
    let region = try CacheRegion(backend: backend, expirationTime: .hours(1))
    let value = String(repeating: "v", count: 100)
    try await region.set("user:42", value)
    // Alternate, five rounds each keeping the best, so that a slow moment on the machine does not
    // land on one side only.
    var hits: [Int] = []
    var floors: [Int] = []
    for _ in 0..<5 {
        hits.append(try await rate(3_000_000) { count in
            for _ in 0..<count {
                _ = try await region.getOrCreate("user:42") { "x" }
            }
        })
        floors.append(try await mutexFloor(3_000_000))
    }
    report("bounded_hit", hits.max()!)
    report("bounded_mutex_floor", floors.max()!)

    // Each task reads a key of its own, then 1,000 keys of its own, which spread over the shards
    // (so the two tasks take every shard's lock in turn). Each key has a value of its own, as in
    // real use: a hit retains its value, and two tasks retaining one shared string would contend on
    // its reference count rather than on the store.
    try await region.set("user:43", String(repeating: "v", count: 100))
    let hitOwnKey: @Sendable (Int, Int) async throws -> Void = { task, count in
        let own = task == 0 ? "user:42" : "user:43"
        for _ in 0..<count {
            _ = try await region.getOrCreate(own) { "x" }
        }
    }
    var oneKey: [Int] = []
    var twoKeys: [Int] = []
    for _ in 0..<5 {
        oneKey.append(try await parallelRate(tasks: 1, 3_000_000, hitOwnKey))
        twoKeys.append(try await parallelRate(tasks: 2, 3_000_000, hitOwnKey))
    }
    report("bounded_one_task_one_key", oneKey.max()!)
    report("bounded_two_tasks_own_key", twoKeys.max()!)

    let keys = (0..<2).map { task in (0..<1_000).map { "task\(task):key\($0)" } }
    for key in keys.joined() {
        try await region.set(key, String(repeating: "v", count: 100))
    }
    let hitOwnKeys: @Sendable (Int, Int) async throws -> Void = { task, count in
        let own = keys[task]
        for index in 0..<count {
            _ = try await region.getOrCreate(own[index % own.count]) { "x" }
        }
    }
    var one: [Int] = []
    var two: [Int] = []
    for _ in 0..<5 {
        one.append(try await parallelRate(tasks: 1, 3_000_000, hitOwnKeys))
        two.append(try await parallelRate(tasks: 2, 3_000_000, hitOwnKeys))
    }
    report("bounded_one_task_many_keys", one.max()!)
    report("bounded_two_tasks_many_keys", two.max()!)

    // Inserts of new keys: into an unbounded store (growing, as today's default), and into a store
    // filled to its bound of 100,000, where every insert evicts.
    let inserts = 1_000_000
    let stored = CachedValue(payload: value, creationTime: 0)
    var unbounded: [Int] = []
    var atBound: [Int] = []
    for round in 0..<5 {
        let growing = MemoryBackend()
        unbounded.append(try await rate(inserts) { count in
            for index in 0..<count {
                try growing.storeValue(stored, for: "new:\(round):\(index)")
            }
        })
        let full = try MemoryBackend(maxEntries: 100_000)
        for index in 0..<100_000 {
            try full.storeValue(stored, for: "old:\(index)")
        }
        atBound.append(try await rate(inserts) { count in
            for index in 0..<count {
                try full.storeValue(stored, for: "new:\(round):\(index)")
            }
        })
        precondition(full.count == 100_000)
    }
    report("insert_unbounded", unbounded.max()!)
    report("insert_at_bound", atBound.max()!)
}

/// Alternating rounds of `workloads`, each `operations` hits of `key` through its region; the best
/// round of each, by name: a slow moment of the machine does not land on one side only.
func bestOfAlternatingRounds(_ workloads: [(name: String, region: CacheRegion, key: String)], operations: Int) async throws {
    var best: [String: Int] = [:]
    for _ in 0..<5 {
        for workload in workloads {
            let rate = try await rate(operations) { count in
                for _ in 0..<count {
                    _ = try await workload.region.getOrCreate(workload.key) { "x" }
                }
            }
            best[workload.name] = max(best[workload.name] ?? 0, rate)
        }
    }
    for workload in workloads {
        report(workload.name, best[workload.name]!)
    }
}

func fleetWorkloads() async throws {
    let value = String(repeating: "v", count: 100)
    let bounded = try CacheRegion(backend: MemoryBackend(maxEntries: 1_000_000), expirationTime: .hours(1))
    try await bounded.set("user:42", value)
    // The local tier of a region whose shared backend stores bytes, as memcached does.
    let local = CacheRegion()
    try await local.configure(
        backend: BytesMemoryBackend(), expirationTime: .hours(1), localCache: try MemoryBackend(maxEntries: 1_000_000)
    )
    try await local.set("user:42", value)
    _ = try await local.get("user:42", as: String.self)  // reads the records: local hits from here on
    let tagged = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
    try await tagged.set("user:42", value)
    try await tagged.set("older:42", value, tags: ["team:7", "org:1", "users"])
    try await Task.sleep(for: .milliseconds(1))
    try await tagged.invalidate(tag: "team:8")
    try await tagged.set("newer:42", value, tags: ["team:7", "org:1", "users"])
    try await bestOfAlternatingRounds(
        [
            ("bounded_hit", bounded, "user:42"), ("local_tier_hit", local, "user:42"),
            ("untagged_hit", tagged, "user:42"), ("tagged_newer_hit", tagged, "newer:42"), ("tagged_older_hit", tagged, "older:42"),
        ],
        operations: 3_000_000
    )
}

func residentBytes() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmRSS:") {
            return Int(text.split(separator: " ").dropFirst().first ?? "0")! * 1024
        }
    }
    return 0
}

func memoryPerEntry(_ count: Int, bounded: Bool) async throws {
    let backend = bounded ? try MemoryBackend(maxEntries: count) : MemoryBackend()
    let region = try CacheRegion(backend: backend, expirationTime: .hours(1))
    let before = residentBytes()
    try await Task.detached {
        for index in 0..<count {
            try await region.set("key:\(index)", String(repeating: "v", count: 99) + String(index % 10))
        }
    }.value
    let after = residentBytes()
    // A bounded store's shards each hold their share of the bound, and keys do not fall on them
    // exactly evenly: some shards evict before the store holds `count`. Divide by what it holds.
    precondition(bounded ? backend.count > count * 99 / 100 : backend.count == count)
    report("bytes_per_entry", (after - before) / backend.count)
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "memory": try await memoryWorkloads()
case "stampede": try await stampede()
case "miss":
    let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
    report("miss_create_store", try await rate(200_000) { count in
        for index in 0..<count {
            _ = try await region.getOrCreate("miss:\(index)") { "created" }
        }
    })
case "floors":
    // The same number of new keys as the miss workload of `memory`, so the store grows alike.
    let backend = MemoryBackend()
    report("floor_store_new_key", try await rate(500_000) { count in
        for index in 0..<count {
            try await backend.set("miss:\(index)", CachedValue(payload: "created", creationTime: 0))
        }
    })
    report("floor_task", try await rate(500_000) { count in
        for index in 0..<count {
            let task = Task.immediate { index }
            _ = await task.value
        }
    })
case "entries":
    try await memoryPerEntry(arguments.count > 2 ? Int(arguments[2])! : 1_000_000, bounded: arguments.count > 3 && arguments[3] == "bounded")
case "bounded": try await boundedWorkloads()
case "fleet": try await fleetWorkloads()
default:
    print("usage: CompareWorkloads memory | miss | stampede | entries [count] [bounded] | floors | bounded | fleet")
    exit(2)
}
