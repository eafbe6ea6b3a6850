// What README.md's examples take for granted.
import DogpileCache
import DogpileMemcached
import Logging
import ServiceLifecycle

struct User: Codable, Sendable {}
struct Page: Codable, Sendable {
    var maxAge: Double
}
struct Database: Sendable {
    func loadUser(_ id: Int) async throws -> User { User() }
}
let database = Database()
let id = 42
let region = CacheRegion(name: "readme")
func fetchPage(_ path: String) async throws -> Page { Page(maxAge: 60) }

/// The application's HTTP server, as a service.
struct Server: Service {
    func run() async throws {}
}
let server = Server()
let logger = Logger(label: "app")
