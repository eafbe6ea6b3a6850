import DogpileCache
import Foundation
import Synchronization

// Bare loops of region hits and of the Mutex floor, for profilers (perf, valgrind) and for
// checking parallelism outside the benchmark harness:
//     HitProfile [iterations] [tasks] [region|samekey|heapkey|floor|function|key|backend|proxies|regionproxies|multi|miss|reconfigure]
// region hits a short key; samekey the function's key as a literal; heapkey the same key built at
// run time, as keys usually are; backend and proxies read MemoryBackend bare and through three
// pass-through proxies; regionproxies hits a region through three pass-through proxies; multi gets 100 fresh keys at once;
// miss creates and stores a new key on every call; reconfigure prints resident memory around that many
// reconfigurations.
let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let tasks = arguments.count > 2 ? Int(arguments[2])! : 1
let mode = arguments.count > 3 ? arguments[3] : "region"

final class MutexDictionary: Sendable {
    let storage = Mutex<[String: String]>(["user:42": "a cached value"])
}

let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
let floor = MutexDictionary()
struct PassThrough: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
}
let functionKey = "HitProfile:loadUser|42"
let heapKey = ["HitProfile:loadUser", "42"].joined(separator: "|")
let memory = MemoryBackend()
let bare: any AsyncCacheBackend = memory
let proxies: any AsyncCacheBackend = PassThrough(proxied: PassThrough(proxied: PassThrough(proxied: memory)))
try await memory.set("user:42", CachedValue(payload: "a cached value", creationTime: 0))
let proxiedRegion = try CacheRegion(
    backend: MemoryBackend(), expirationTime: .hours(1), wrap: [PassThrough(), PassThrough(), PassThrough()]
)
try await proxiedRegion.set("user:42", "a cached value")
let multiKeys = (0..<100).map { "multi:\($0)" }
try await region.setMulti(Dictionary(uniqueKeysWithValues: multiKeys.map { ($0, "value") }))
if mode == "reconfigure" {
    // Resident memory before and after `iterations` reconfigurations of one region, each followed by
    // a hit: replaced configurations must not accumulate.
    nonisolated func residentBytes() throws -> Int {
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        return Int(statm[1])! * 4096
    }
    try await Task.detached {
        let reconfigured = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
        for _ in 0..<1_000 { try await reconfigured.configure(backend: MemoryBackend(), replaceExistingBackend: true) }
        let before = try residentBytes()
        for round in 0..<iterations {
            try await reconfigured.configure(backend: MemoryBackend(), replaceExistingBackend: true)
            try await reconfigured.set("k", round)
            _ = try await reconfigured.getOrCreate("k") { -1 }
        }
        try await Task.sleep(for: .milliseconds(100))
        print("reconfigure: \(iterations) reconfigurations, resident \(before) -> \(try residentBytes()) bytes")
    }.value
    exit(0)
}
let loadUser = region.cacheOnArguments(name: "loadUser") { (id: Int) async throws -> String in "a cached value" }
try await Task.detached {
    try await region.set("user:42", "a cached value")
    let started = ContinuousClock.now
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for _ in 0..<tasks {
            group.addTask {
                var total = 0
                for index in 0..<iterations / tasks {
                    if mode == "miss" {
                        total &+= try await region.getOrCreate("miss:\(index)") { "a cached value" }.utf8.count
                    } else if mode == "floor" {
                        total &+= floor.storage.withLock { $0["user:42"] }!.utf8.count
                    } else if mode == "key" {
                        total &+= try loadUser.key(42).utf8.count
                    } else if mode == "samekey" {
                        total &+= try await region.getOrCreate(functionKey) { "a cached value" }.utf8.count
                    } else if mode == "heapkey" {
                        total &+= try await region.getOrCreate(heapKey) { "a cached value" }.utf8.count
                    } else if mode == "regionproxies" {
                        total &+= try await proxiedRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    } else if mode == "multi" {
                        total &+= try await region.getOrCreateMulti(multiKeys) { $0.map { _ in "created" } }.count
                    } else if mode == "backend" {
                        total &+= try await bare.get("user:42") == nil ? 0 : 14
                    } else if mode == "proxies" {
                        total &+= try await proxies.get("user:42") == nil ? 0 : 14
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
