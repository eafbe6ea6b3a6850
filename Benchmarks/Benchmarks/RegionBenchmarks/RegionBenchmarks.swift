import Benchmark
import DogpileCache
import DogpileCacheTesting
import Synchronization

/// The floor a region hit is measured against: a bare dictionary behind a `Mutex`.
final class MutexDictionary: Sendable {
    let storage: Mutex<[String: String]>

    init(_ values: [String: String]) {
        storage = Mutex(values)
    }

    func lookup(_ key: String) -> String? {
        storage.withLock { $0[key] }
    }
}

/// Splits `operations` over `tasks` child tasks; each runs `loop` once with its share, so the loop
/// itself (not a closure call per operation) is what is measured.
func runConcurrently(
    tasks: Int,
    operations: Int,
    _ loop: @escaping @Sendable (_ count: Int) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            let share = operations / tasks + (task < operations % tasks ? 1 : 0)
            group.addTask { try await loop(share) }
        }
        try await group.waitForAll()
    }
}

/// A Codable value of about 1 KB in JSON.
struct Profile: Codable, Sendable {
    var id: Int
    var name: String
    var email: String
    var tags: [String]
    var scores: [Double]
    var biography: String

    static let sample = Profile(
        id: 42,
        name: "Ada Lovelace",
        email: "ada@example.com",
        tags: (0..<12).map { "tag-\($0)" },
        scores: (0..<24).map { Double($0) * 1.25 },
        biography: String(repeating: "Analytical engines weave algebraic patterns. ", count: 15)
    )
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput, .mallocCountTotal],
        scalingFactor: .mega,
        maxDuration: .seconds(2),
        maxIterations: 20
    )

    let key = "user:42"
    let value = "a cached value"

    // A cached-function hit against a direct getOrCreate hit on the same key: the wrapper builds the
    // key from its arguments on every call.
    Benchmark("function hit: cached function, Int argument") { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        let loadUser = region.cacheOnArguments(name: "loadUser") { (id: Int) async throws -> String in "user \(id)" }
        _ = try await loadUser(42)
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await loadUser(42))
            }
        }
    }

    Benchmark("function hit: region.getOrCreate, same key") { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        let key = "RegionBenchmarks:loadUser|42"
        try await region.set(key, "user 42")
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await region.getOrCreate(key) { "user 42" })
            }
        }
    }

    Benchmark("function hit: region.getOrCreate, key interpolated per call") { benchmark in
        let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        try await region.set("RegionBenchmarks:loadUser|42", "user 42")
        let id = 42
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await region.getOrCreate("RegionBenchmarks:loadUser|\(id)") { "user 42" })
            }
        }
    }

    // Proxies: a chain of three pass-through proxies against the bare backend, and through a region,
    // whose hits stay synchronous through proxies that declare they pass reads and writes through, and
    // take the async path through those that do not.
    struct PassThrough: ProxyBackend {
        var proxied: any AsyncCacheBackend = NullBackend()
        var passThrough: ProxyPassThrough { [.reads, .writes] }
    }
    struct Forwarding: ProxyBackend {
        var proxied: any AsyncCacheBackend = NullBackend()
    }
    let storedValue = CachedValue(payload: value, creationTime: 0)

    Benchmark("proxy: MemoryBackend.get, bare") { benchmark in
        let backend: any AsyncCacheBackend = MemoryBackend()
        try await backend.set(key, storedValue)
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await backend.get(key))
            }
        }
    }

    Benchmark("proxy: MemoryBackend.get through 3 pass-through proxies") { benchmark in
        let memory = MemoryBackend()
        let backend: any AsyncCacheBackend = PassThrough(proxied: PassThrough(proxied: PassThrough(proxied: memory)))
        try await backend.set(key, storedValue)
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await backend.get(key))
            }
        }
    }

    // What one proxy level cannot cost less than: an async call, through an existential, of a
    // method that does nothing.
    Benchmark("proxy: floor, an empty async call through an existential") { benchmark in
        let empty: any AsyncCacheBackend = NullBackend()
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await empty.get(key))
            }
        }
    }

    for (name, proxies) in [
        ("1 pass-through proxy", [PassThrough()]),
        ("3 pass-through proxies", [PassThrough(), PassThrough(), PassThrough()]),
        ("3 forwarding proxies (async reads)", [Forwarding(), Forwarding(), Forwarding()]),
    ] as [(String, [any ProxyBackend])] {
        Benchmark("proxy: region.getOrCreate hit through \(name)") { benchmark in
            let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1), wrap: proxies)
            try await region.set(key, value)
            try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
                for _ in 0..<count {
                    blackHole(try await region.getOrCreate(key) { "a cached value" })
                }
            }
        }
    }

    Benchmark("serializer: JSON encode + decode of a 1 KB Codable struct") { benchmark in
        let serializer = JSONCacheSerializer()
        let size = try serializer.encode(Profile.sample).count
        precondition(size > 900 && size < 1200, "the sample should be about 1 KB, is \(size) bytes")
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                let bytes = try serializer.encode(Profile.sample)
                blackHole(try serializer.decode(bytes, as: Profile.self))
            }
        }
    }

    Benchmark("serializer: region hit on BytesMemoryBackend, 1 KB Codable struct") { benchmark in
        let region = try CacheRegion(backend: BytesMemoryBackend(), expirationTime: .hours(1))
        try await region.set(key, Profile.sample)
        try await runConcurrently(tasks: 1, operations: benchmark.scaledIterations.count) { count in
            for _ in 0..<count {
                blackHole(try await region.getOrCreate(key) { Profile.sample })
            }
        }
    }

    creationBenchmarks()
    memcachedBenchmarks()

    for tasks in [1, 2, 16] {
        Benchmark("hit: Mutex<[String: String]> floor, \(tasks) task(s)") { benchmark in
            let floor = MutexDictionary([key: value])
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) { count in
                for _ in 0..<count {
                    blackHole(floor.lookup(key))
                }
            }
        }

        Benchmark("hit: region.getOrCreate on MemoryBackend, \(tasks) task(s)") { benchmark in
            let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
            try await region.set(key, value)
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) { count in
                for _ in 0..<count {
                    blackHole(try await region.getOrCreate(key) { "a cached value" })
                }
            }
        }

        // A creator that captures a value: Swift allocates its context where the closure is formed,
        // in the caller, on every call.
        Benchmark("hit: region.getOrCreate, creator capturing a value, \(tasks) task(s)") { benchmark in
            let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
            try await region.set(key, value)
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) { count in
                for _ in 0..<count {
                    blackHole(try await region.getOrCreate(key) { value })
                }
            }
        }
    }
}
