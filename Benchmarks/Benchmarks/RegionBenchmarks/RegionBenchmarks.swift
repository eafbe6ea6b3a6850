import Benchmark
import DogpileCache
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

/// Runs `operations` calls of `body` split over `tasks` child tasks (never on the main thread).
func runConcurrently(tasks: Int, operations: Int, _ body: @escaping @Sendable () async throws -> Void) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        for task in 0..<tasks {
            let share = operations / tasks + (task < operations % tasks ? 1 : 0)
            group.addTask {
                for _ in 0..<share {
                    try await body()
                }
            }
        }
        try await group.waitForAll()
    }
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

    for tasks in [1, 2] {
        Benchmark("hit: Mutex<[String: String]> floor, \(tasks) task(s)") { benchmark in
            let floor = MutexDictionary([key: value])
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) {
                blackHole(floor.lookup(key))
            }
        }

        Benchmark("hit: region.getOrCreate on MemoryBackend, \(tasks) task(s)") { benchmark in
            let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
            try await region.set(key, value)
            try await runConcurrently(tasks: tasks, operations: benchmark.scaledIterations.count) {
                blackHole(try await region.getOrCreate(key) { value })
            }
        }
    }
}
