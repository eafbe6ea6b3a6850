import DogpileCache
import Foundation
import Metrics
import MetricsTestKit
import Prometheus
import Synchronization

// Bare loops of region hits and of the Mutex floor, for profilers (perf, valgrind) and for
// checking parallelism outside the benchmark harness:
//     HitProfile [iterations] [tasks] [mode]
// Modes: region hits a short key; samekey the function's key as a literal; heapkey the same key
// built at run time, as keys usually are; function calls a cached function; key builds its key;
// floor reads a Mutex-guarded dictionary; backend and proxies read MemoryBackend bare and through
// three forwarding proxies; regionproxies hits a region through three forwarding proxies (async
// reads), passthrough through three that declare they pass reads and writes through; multi gets 100
// fresh keys at once; bounded hits a region on a MemoryBackend bounded at 1,000,000 entries (TinyLFU);
// local hits the local tier (a MemoryBackend bounded at 1,000,000 entries, TinyLFU) of a region
// whose shared backend is a BytesMemoryBackend, as it would be memcached; tagged and localtagged
// hit as region and local do a value with three tags, created after the region invalidated another
// tag, and olderTagged and olderLocalTagged one created before it;
// eager hits a fresh value below the refresh point of a region with eager refresh at 0.9;
// user hits a region on a user's own SynchronousCacheStorage (the generic reader);
// miss creates and stores a new key on every call; stampede runs rounds of
// 10,000 callers of one missing key; reconfigure prints resident memory around that many
// reconfigurations.
// DOGPILE_METRICS=noop, test or prometheus bootstraps swift-metrics with NOOPMetricsHandler,
// MetricsTestKit's TestMetrics or swift-prometheus before the regions are made; unset, it is not
// bootstrapped (the regions report to swift-metrics' default, the no-op handler).
switch ProcessInfo.processInfo.environment["DOGPILE_METRICS"] {
case nil: break
case "noop": MetricsSystem.bootstrap(NOOPMetricsHandler.instance)
case "test": MetricsSystem.bootstrap(TestMetrics())
case "prometheus": MetricsSystem.bootstrap(PrometheusMetricsFactory())
case let other?: fatalError("DOGPILE_METRICS must be noop, test or prometheus, not \(other)")
}
let arguments = CommandLine.arguments
let iterations = arguments.count > 1 ? Int(arguments[1])! : 1_000_000
let tasks = arguments.count > 2 ? Int(arguments[2])! : 1
let mode = arguments.count > 3 ? arguments[3] : "region"

final class MutexDictionary: Sendable {
    let storage = Mutex<[String: String]>(["user:42": "a cached value"])
}

let region = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
let floor = MutexDictionary()
/// A proxy that forwards every call (and so keeps a region's reads async).
struct Forwarding: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
}
/// A proxy that declares it leaves reads and writes alone, so a region's hits stay synchronous.
struct DeclaredPassThrough: ProxyBackend {
    var proxied: any AsyncCacheBackend = NullBackend()
    var passThrough: ProxyPassThrough { [.reads, .writes] }
}
let functionKey = "HitProfile:loadUser|42"
let heapKey = ["HitProfile:loadUser", "42"].joined(separator: "|")
let memory = MemoryBackend()
let bare: any AsyncCacheBackend = memory
let proxies: any AsyncCacheBackend = Forwarding(proxied: Forwarding(proxied: Forwarding(proxied: memory)))
try await memory.set("user:42", CachedValue(payload: "a cached value", creationTime: 0))
let proxiedRegion = try CacheRegion(
    backend: MemoryBackend(), expirationTime: .hours(1), wrap: [Forwarding(), Forwarding(), Forwarding()]
)
try await proxiedRegion.set("user:42", "a cached value")
/// A user's own in-process store, read through the region's generic synchronous reader.
final class UserStore: SynchronousCacheStorage {
    let inner = MemoryBackend()
    func get(_ key: String) async throws -> CachedValue? { inner.storedValue(for: key) }
    func set(_ key: String, _ value: CachedValue) async throws { try inner.storeValue(value, for: key) }
    func delete(_ key: String) async throws { try await inner.delete(key) }
    func storedValue(for key: String) -> CachedValue? { inner.storedValue(for: key) }
    func storeValues(_ entries: [(key: String, value: CachedValue)]) throws { try inner.storeValues(entries) }
}
let userRegion = try CacheRegion(backend: UserStore(), expirationTime: .hours(1))
try await userRegion.set("user:42", "a cached value")
let boundedRegion = try CacheRegion(backend: MemoryBackend(maxEntries: 1_000_000), expirationTime: .hours(1))
try await boundedRegion.set("user:42", "a cached value")
let localRegion = CacheRegion()
try await localRegion.configure(
    backend: BytesMemoryBackend(), expirationTime: .hours(1), localCache: try MemoryBackend(maxEntries: 1_000_000)
)
try await localRegion.set("user:42", "a cached value")
let taggedRegion = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1))
let localTaggedRegion = CacheRegion()
try await localTaggedRegion.configure(
    backend: BytesMemoryBackend(), expirationTime: .hours(1), localCache: try MemoryBackend(maxEntries: 1_000_000)
)
for tagged in [taggedRegion, localTaggedRegion] {
    try await tagged.set("user:43", "a cached value", tags: ["team:7", "org:1", "users"])
    try await Task.sleep(for: .milliseconds(1))
    try await tagged.invalidate(tag: "team:8")
    try await tagged.set("user:42", "a cached value", tags: ["team:7", "org:1", "users"])
}
var eagerPolicy = CreationPolicy()
eagerPolicy.eagerRefresh = 0.9
let eagerRegion = try CacheRegion(backend: MemoryBackend(), expirationTime: .hours(1), policy: eagerPolicy)
try await eagerRegion.set("user:42", "a cached value")
let passThroughRegion = try CacheRegion(
    backend: MemoryBackend(), expirationTime: .hours(1),
    wrap: [DeclaredPassThrough(), DeclaredPassThrough(), DeclaredPassThrough()]
)
try await passThroughRegion.set("user:42", "a cached value")
let multiKeys = (0..<100).map { "multi:\($0)" }
try await region.setMulti(Dictionary(uniqueKeysWithValues: multiKeys.map { ($0, "value") }))
/// The operation a run repeats, decided once: comparing the mode's text on every iteration would
/// cost more than a hit.
enum Operation: String {
    case miss, floor, key, samekey, heapkey, bounded, local, tagged, localtagged, olderTagged, olderLocalTagged, eager, user, passthrough, regionproxies, multi, backend, proxies, function, region, reconfigure, stampede
}
guard let operation = Operation(rawValue: mode) else {
    fatalError("unknown mode \(mode)")
}
if operation == .reconfigure {
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
if operation == .stampede {
    // Rounds of 10,000 tasks asking for one missing key whose creator sleeps 1 ms, so that all of
    // them join its flight; prints callers served per second.
    try await Task.detached {
        let rounds = max(1, iterations / 10_000)
        let started = ContinuousClock.now
        for round in 0..<rounds {
            let callers = (0..<10_000).map { _ in
                Task {
                    try await region.getOrCreate("stampede:\(round)") {
                        try await Task.sleep(for: .milliseconds(1))
                        return "made"
                    }
                }
            }
            for caller in callers {
                _ = try await caller.value
            }
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds)
        print("stampede \(rounds) round(s): \(rounds * 10_000) ops in \(elapsed), \(Double(rounds * 10_000) / seconds / 1e6) M ops/s")
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
                    switch operation {
                    case .miss:
                        total &+= try await region.getOrCreate("miss:\(index)") { "a cached value" }.utf8.count
                    case .floor:
                        total &+= floor.storage.withLock { $0["user:42"] }!.utf8.count
                    case .key:
                        total &+= try loadUser.key(42).utf8.count
                    case .samekey:
                        total &+= try await region.getOrCreate(functionKey) { "a cached value" }.utf8.count
                    case .heapkey:
                        total &+= try await region.getOrCreate(heapKey) { "a cached value" }.utf8.count
                    case .user:
                        total &+= try await userRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .bounded:
                        total &+= try await boundedRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .local:
                        total &+= try await localRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .tagged:
                        total &+= try await taggedRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .localtagged:
                        total &+= try await localTaggedRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .olderTagged:
                        total &+= try await taggedRegion.getOrCreate("user:43") { "a cached value" }.utf8.count
                    case .olderLocalTagged:
                        total &+= try await localTaggedRegion.getOrCreate("user:43") { "a cached value" }.utf8.count
                    case .eager:
                        total &+= try await eagerRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .passthrough:
                        total &+= try await passThroughRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .regionproxies:
                        total &+= try await proxiedRegion.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .multi:
                        total &+= try await region.getOrCreateMulti(multiKeys) { $0.map { _ in "created" } }.count
                    case .backend:
                        total &+= try await bare.get("user:42") == nil ? 0 : 14
                    case .proxies:
                        total &+= try await proxies.get("user:42") == nil ? 0 : 14
                    case .function:
                        total &+= try await loadUser(42).utf8.count
                    case .region:
                        total &+= try await region.getOrCreate("user:42") { "a cached value" }.utf8.count
                    case .reconfigure, .stampede:
                        preconditionFailure("run above")
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
