// What GettingStarted.md's examples take for granted; `User`, `UserDatabase` and `UserService` are
// the article's own.
import DogpileCache
import Logging

struct InMemoryUsers: UserDatabase {
    func loadUser(id: Int) async throws -> User { User(id: id, name: "Ada") }
    func loadUsers(ids: [Int]) async throws -> [User] { ids.map { User(id: $0, name: "Ada") } }
}
let cache = CacheRegion(name: "users")
let database: any UserDatabase = InMemoryUsers()
let id = 42
let user = User(id: 42, name: "Ada")
let first = user
let second = user
