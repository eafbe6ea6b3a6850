// What CachingFunctions.md's examples take for granted.
import DogpileCache

struct User: Codable, Sendable {}
struct Report: Codable, Sendable {}
struct Database: Sendable {
    func loadUser(_ id: Int) async throws -> User { User() }
    func loadUsers(_ ids: [Int]) async throws -> [User] { ids.map { _ in User() } }
    func findUsers(_ ids: [Int]) async throws -> [Int: User] { [:] }
}
let database = Database()
let users = CacheRegion(name: "users")
let reports = CacheRegion(name: "reports")
func secondsUntilMidnight() -> Double { 3600 }
func buildReport(_ day: String) async throws -> Report { Report() }
