import DogpileCache
import Synchronization

// Bare loops of region hits and of the Mutex floor, for profilers (perf, valgrind) and for
// checking parallelism outside the benchmark harness:
//     HitProfile [iterations] [tasks] [region|floor|function]
let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let tasks = arguments.count > 2 ? Int(arguments[2])! : 1
let mode = arguments.count > 3 ? arguments[3] : "region"

final class MutexDictionary: Sendable {
    let storage = Mutex<[String: String]>(["user:42": "a cached value"])
}

let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
let floor = MutexDictionary()
let loadUser = region.cacheOnArguments(name: "loadUser") { (id: Int) async throws -> String in "a cached value" }
try await Task.detached {
    try await region.set("user:42", "a cached value")
    let started = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<tasks {
            group.addTask {
                var total = 0
                for _ in 0..<iterations / tasks {
                    if mode == "floor" {
                        total &+= floor.storage.withLock { $0["user:42"] }!.utf8.count
                    } else if mode == "key" {
                        total &+= try loadUser.key(42).utf8.count
                    } else if mode == "function" {
                        total &+= try await loadUser(42).utf8.count
                    } else {
                        total &+= try await region.getOrCreate("user:42") { "a cached value" }.utf8.count
                    }
                }
                return total
            }
        }
        return try await group.reduce(0, &+)
    }
    let elapsed = ContinuousClock.now - started
    print("\(mode) \(tasks) task(s): \(total / 14) ops in \(elapsed), \(Double(iterations) / (Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)) / 1e6) M ops/s")
}.value
