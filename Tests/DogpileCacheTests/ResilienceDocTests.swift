import DogpileCache
import DogpileCacheTesting
import Testing

/// The policy examples of the README and the Resilience article, as written there.
@Suite(.timeLimit(.minutes(1)))
struct ResilienceDocTests {
    struct Page: Sendable {
        var body: String
        var maxAge: Double
        var isCacheable: Bool
    }

    static func fetchPage(_ path: String) async throws -> Page {
        Page(body: "page \(path)", maxAge: 42, isCacheable: true)
    }

    @Test func theArticlesPolicyConfiguresARegion() async throws {
        // A clock that moves only when told: the timeouts below never run out on a slow machine.
        let region = CacheRegion(name: "resilience", clock: ManualCacheClock())
        var policy = CreationPolicy()
        policy.failSafeMaxStaleness = .seconds(3600)  // a failed creation falls back on a value up to an hour stale
        policy.failSafeThrottle = .seconds(30)        // ... and does not try the source again for 30 s
        policy.softTimeout = .milliseconds(100)       // a stale value after 100 ms of a slow source
        policy.hardTimeout = .seconds(2)              // no caller waits more than 2 s
        policy.eagerRefresh = 0.8                     // popular values are refreshed at 80% of their lifetime
        policy.jitter = .seconds(30)                  // values made together do not expire together
        try await region.configure(backend: MemoryBackend(), expirationTime: .minutes(5), policy: policy)
        #expect(policy.softTimeout == .milliseconds(100) && policy.failSafeThrottle == .seconds(30))
        #expect(policy.jitter == .seconds(30) && policy.hardTimeout == .seconds(2))
        #expect(policy.failSafeMaxStaleness == .seconds(3600) && policy.servesStale)

        let page: Page = try await region.getOrCreate("page:/home") { (context: inout CreationContext) in
            let page = try await Self.fetchPage("/home")
            context.expirationTime = .seconds(page.maxAge)
            context.shouldCache = page.isCacheable
            return page
        }
        #expect(page.body == "page /home")
        #expect(try await region.get("page:/home", as: Page.self)?.maxAge == 42)
    }
}
