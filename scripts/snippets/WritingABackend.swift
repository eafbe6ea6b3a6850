// What WritingABackend.md's examples take for granted; `BlockingStore` is the article's own.
import DogpileCache
import DogpileCacheTesting

struct TestStore: BlockingStore {
    func read(_ key: String) throws -> CachedValue? { nil }
    func readMany(_ keys: [String]) throws -> [CachedValue?] { keys.map { _ in nil } }
    func write(_ key: String, _ value: CachedValue) throws {}
    func remove(_ key: String) throws {}
}
let myStore = TestStore()
