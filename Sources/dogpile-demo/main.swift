import DogpileCache
import Synchronization

/// dogpile-demo: a burst of concurrent "requests" over a skewed key set, served by a region on the
/// memory backend whose creator is slow, and fails or stalls as often as asked. Prints what the region
/// did, the errors callers saw and the request latencies.
///
///     swift run -c release dogpile-demo [--requests N] [--concurrency N] [--keys N]
///                                       [--creator-ms N] [--expiration-ms N] [--inline-refresh]
///                                       [--fail-rate PERCENT] [--slow-rate PERCENT] [--slow-ms N]
///                                       [--no-policy]

struct DemoOptions {
    var requests = 1_000_000
    var concurrency = 64
    var keys = 1_000
    var creatorMilliseconds = 20
    var expirationMilliseconds = 250
    var backgroundRefresh = true
    var failPercent = 0
    var slowPercent = 0
    var slowMilliseconds = 2_000
    var usesPolicy = true

    static let usage = """
        usage: dogpile-demo [--requests N] [--concurrency N] [--keys N] [--creator-ms N] [--expiration-ms N]
                    [--inline-refresh] [--fail-rate PERCENT] [--slow-rate PERCENT] [--slow-ms N] [--no-policy]
          --requests       total requests to serve            (default 1000000)
          --concurrency    concurrent request tasks           (default 64)
          --keys           distinct keys, Zipf-skewed (s=1.1) (default 1000)
          --creator-ms     time the creator takes per value   (default 20)
          --expiration-ms  region expiration time             (default 250)
          --inline-refresh  the caller that finds an expired value waits for its regeneration
                            (default: regenerate in the background, no request waits)
          --fail-rate      percent of creator calls that throw, after a warm-up (default 0)
          --slow-rate      percent of creator calls that stall for --slow-ms  (default 0)
          --slow-ms        how long a stalled creator call takes              (default 2000)
          --no-policy      without the creation policy (fail-safe, timeouts) the demo uses
                            when a rate is set: see the errors callers get then
        """

    init(arguments: [String]) throws {
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            if flag == "--help" || flag == "-h" {
                print(Self.usage)
                exit(0)
            }
            if flag == "--inline-refresh" {
                backgroundRefresh = false
                continue
            }
            if flag == "--no-policy" {
                usesPolicy = false
                continue
            }
            if flag == "--fail-rate" || flag == "--slow-rate" {
                guard let text = remaining.popFirst(), let value = Int(text), (0...100).contains(value) else {
                    throw DemoError(message: "\(flag) needs a percentage, 0 to 100\n\(Self.usage)")
                }
                if flag == "--fail-rate" { failPercent = value } else { slowPercent = value }
                continue
            }
            guard let text = remaining.popFirst(), let value = Int(text), value > 0 else {
                throw DemoError(message: "\(flag) needs a positive whole number\n\(Self.usage)")
            }
            switch flag {
            case "--requests": requests = value
            case "--concurrency": concurrency = value
            case "--keys": keys = value
            case "--creator-ms": creatorMilliseconds = value
            case "--expiration-ms": expirationMilliseconds = value
            case "--slow-ms": slowMilliseconds = value
            default: throw DemoError(message: "unknown option \(flag)\n\(Self.usage)")
            }
        }
    }
}

struct DemoError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A small deterministic generator (SplitMix64), so runs are repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Picks key indices with Zipf-like skew: a few keys get most of the traffic.
struct SkewedKeys: Sendable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double = 1.1) {
        var total = 0.0
        cumulative = (1...count).map { rank in
            total += 1 / pow(Double(rank), exponent)
            return total
        }
    }

    func pick(using generator: inout SplitMix64) -> Int {
        let target = Double.random(in: 0..<cumulative.last!, using: &generator)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

func percentile(_ sorted: [Duration], _ fraction: Double) -> Duration {
    sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
}

func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let value = Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    if value < 1 {
        return "\((value * 10_000).rounded() / 10) µs"
    }
    return "\((value * 100).rounded() / 100) ms"
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let options: DemoOptions
do {
    options = try DemoOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    print(error)
    exit(2)
}

/// A failure of the source behind the cache.
struct SourceDown: Error {}

let faulty = options.failPercent > 0 || options.slowPercent > 0
// With a faulty source: fall back on values up to a minute stale (trying the source again after
// one expiration time), hand a regenerating caller its stale value after 50 ms, and let no caller
// wait more than 500 ms.
var policy = CreationPolicy()
if faulty && options.usesPolicy {
    policy.failSafeMaxStaleness = .seconds(60)
    policy.failSafeThrottle = .milliseconds(options.expirationMilliseconds)
    policy.softTimeout = .milliseconds(50)
    policy.hardTimeout = .milliseconds(500)
}
let region = try CacheRegion(
    name: "demo",
    backend: MemoryBackend(),
    expirationTime: .duration(.milliseconds(options.expirationMilliseconds)),
    backgroundRefresh: options.backgroundRefresh,
    policy: policy
)
let skew = SkewedKeys(count: options.keys)
let creatorDelay = Duration.milliseconds(options.creatorMilliseconds)
/// Whether the source fails and stalls yet (off during the warm-up), and how many calls it took.
let sourceIsFaulty = Atomic<Bool>(false)
let sourceCalls = Atomic<UInt64>(0)

// The slow function behind every request, cached per page: its results live under keys like
// "dogpile_demo:renderPage|17", and concurrent requests for one page share one call.
let renderPage = region.cacheOnArguments(name: "renderPage") { (page: Int) async throws -> String in
    var roll = SplitMix64(state: sourceCalls.wrappingAdd(1, ordering: .relaxed).oldValue)
    let fails = Int(roll.next() % 100) < options.failPercent
    let stalls = Int(roll.next() % 100) < options.slowPercent
    if sourceIsFaulty.load(ordering: .relaxed) {
        try await Task.sleep(for: stalls ? .milliseconds(options.slowMilliseconds) : creatorDelay)
        if fails { throw SourceDown() }
    } else {
        try await Task.sleep(for: creatorDelay)  // a slow database query
    }
    return "rendered page \(page)"
}

print("""
    dogpile-demo: \(options.requests) requests from \(options.concurrency) concurrent tasks over \(options.keys) \
    Zipf-skewed keys; creator takes \(options.creatorMilliseconds) ms, values expire after \(options.expirationMilliseconds) ms\
    \(options.backgroundRefresh ? ", regenerated in the background" : ", regenerated inline")
    """)
if faulty {
    print("""
        source: \(options.failPercent)% of calls throw, \(options.slowPercent)% stall for \(options.slowMilliseconds) ms, \
        after a warm-up that renders every page once; \
        \(options.usesPolicy ? "policy: fail-safe 60 s, soft timeout 50 ms, hard timeout 500 ms" : "no creation policy")
        """)
    try await Task {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for page in 0..<options.keys {
                group.addTask { _ = try await renderPage(page) }
            }
            try await group.waitForAll()
        }
    }.value
    sourceIsFaulty.store(true, ordering: .relaxed)
}
let errorsSeen = Atomic<Int>(0)

let started = ContinuousClock.now
// The whole burst runs inside a task: calls into an actor from top-level code are far slower.
let latencies = try await Task {
    try await withThrowingTaskGroup(of: [Duration].self) { group in
        for worker in 0..<options.concurrency {
            let share = options.requests / options.concurrency + (worker < options.requests % options.concurrency ? 1 : 0)
            group.addTask {
                var generator = SplitMix64(state: UInt64(worker) &+ 1)
                var latencies: [Duration] = []
                latencies.reserveCapacity(share)
                for _ in 0..<share {
                    let pageNumber = skew.pick(using: &generator)
                    let begin = ContinuousClock.now
                    do {
                        let page = try await renderPage(pageNumber)
                        precondition(page == "rendered page \(pageNumber)", "served the wrong value for page \(pageNumber)")
                    } catch {
                        errorsSeen.wrappingAdd(1, ordering: .relaxed)
                    }
                    latencies.append(ContinuousClock.now - begin)
                    await Task.yield()  // a real handler suspends for network I/O between requests
                }
                return latencies
            }
        }
        var all: [Duration] = []
        for try await part in group { all += part }
        return all.sorted()
    }
}.value
let elapsed = ContinuousClock.now - started
let statistics = region.statistics
// Each request is one of hits, misses, stale served or fail-safe served; the warm-up's are too.
let counted = statistics.hits + statistics.misses + statistics.staleServed + statistics.failSafeServed
let requestsMade = latencies.count + (faulty ? options.keys : 0)

print("""
    requests served    \(latencies.count) in \(milliseconds(elapsed))
    creator calls      \(statistics.creations)   (one per missing or expired key, never one per request)
    hits               \(statistics.hits)   (fresh values)
    misses             \(statistics.misses)   (requests that waited for a creation: their own or another's)
    stale served       \(statistics.staleServed)   (expired values served while they were regenerated)
    coalesced waiters  \(statistics.coalescedWaiters)   (callers that waited for a creation already running)
    errors seen        \(errorsSeen.load(ordering: .relaxed))   (requests that failed: the creator's errors or timeouts)
    fail-safe served   \(statistics.failSafeServed)   (failed creations answered with the last good value, and throttled calls)
    timeouts           \(statistics.timeouts)   (callers that stopped waiting for a slow creation)
    every request once \(counted == requestsMade ? "yes" : "NO"): hits + misses + stale served + fail-safe served = \(counted)\
    \(faulty ? " (the warm-up's \(options.keys) included)" : "")
    latency p50        \(milliseconds(percentile(latencies, 0.50)))
    latency p99        \(milliseconds(percentile(latencies, 0.99)))
    latency max        \(milliseconds(latencies.last!))
    """)
