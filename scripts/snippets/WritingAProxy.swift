// What WritingAProxy.md's examples take for granted.
import DogpileCache
import DogpileCacheTesting
import Synchronization
import Testing

/// The counter the article's proxy counts with.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func increment(by amount: Int = 1) { count.wrappingAdd(amount, ordering: .relaxed) }
}
let region = CacheRegion(name: "proxied")
