// What RegionsAndExpiration.md's examples take for granted; `InvalidationStore` is the article's own.
import DogpileCache
import Logging

struct Price: Codable, Sendable {}
struct Hit: Codable, Sendable {}
struct Pricing: Sendable {
    func currentPrice(sku: String) async throws -> Price { Price() }
}
struct SearchIndex: Sendable {
    func search(_ query: String) async throws -> [Hit] { [] }
}
struct NoInvalidations: InvalidationStore {
    func publish(hard: Bool, at time: Double) async throws {}
    func latest() async throws -> (hard: Bool, time: Double)? { nil }
}
let cache = CacheRegion(name: "prices")
let region = CacheRegion(name: "users")
let pricing = Pricing()
let searchIndex = SearchIndex()
let sku = "sku-1"
let query = "swift"
let logger = Logger(label: "app")
let invalidationStore = NoInvalidations()

struct Profile: Codable, Sendable {}
struct Order: Codable, Sendable {}
struct Page: Codable, Sendable {
    var sections: [String]
}
struct Database: Sendable {
    func orders(of user: Int) async throws -> [Order] { [] }
}
let database = Database()
let profile = Profile()
func fetchPage(_ path: String) async throws -> Page { Page(sections: ["sale"]) }
