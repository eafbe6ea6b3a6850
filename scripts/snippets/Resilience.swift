// What Resilience.md's examples take for granted.
import DogpileCache

struct Page: Codable, Sendable {
    var maxAge: Double
    var isCacheable: Bool
}
let region = CacheRegion(name: "pages")
func fetchPage(_ path: String) async throws -> Page { Page(maxAge: 60, isCacheable: true) }
