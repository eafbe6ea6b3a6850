import DogpileCache
import DogpileCacheTesting
import DogpileResponseCache
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The response cache in front of routes that count their runs, through Hummingbird's router test
/// client.
@Suite(.timeLimit(.minutes(1)))
struct ResponseCacheMiddlewareTests {
    let runs = CreatorLog()
    let clock = ManualCacheClock()
    let region: CacheRegion

    init() throws {
        region = try CacheRegion(name: "pages", backend: MemoryBackend(), expirationTime: .seconds(60), clock: clock)
    }

    /// A cached route at `path` answering `body` with `headers` (after `gate` opens, if given), and
    /// uncached routes for other methods.
    private func application(
        _ path: RouterPath = "/page",
        headers: HTTPFields = [:],
        gate: CreationGate? = nil,
        failing: Bool = false
    ) -> some ApplicationProtocol {
        let router = Router()
        let runs = self.runs
        router.group().add(middleware: ResponseCacheMiddleware(region: region))
            .get(path) { request, _ -> Response in
                runs.record([request.uri.description])
                await gate?.wait()
                if failing { throw HTTPError(.serviceUnavailable) }
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: "run \(runs.calls)")))
            }
            .post(path) { _, _ in
                runs.record()
                return "posted"
            }
        return Application(router: router)
    }

    private func body(_ response: TestResponse) -> String {
        String(buffer: response.body)
    }

    @Test("a response is made once and served from the cache after")
    func storedAndServed() async throws {
        try await application().test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/page", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(self.body(response) == "run 1")
                }
            }
            // The query is part of the key.
            try await client.execute(uri: "/page?lang=fr", method: .get) { #expect(self.body($0) == "run 2") }
        }
        #expect(runs.calls == 2)
    }

    @Test("concurrent requests for one URL run the route once and all get its response")
    func singleFlightPerURL() async throws {
        let gate = CreationGate()
        try await application(gate: gate).test(.router) { client in
            try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await client.execute(uri: "/page", method: .get) { self.body($0) } }
                }
                try await waitUntil { self.region.statistics.coalescedWaiters == 19 }
                gate.open()
                for try await body in group {
                    #expect(body == "run 1")
                }
            }
        }
        #expect(runs.calls == 1)
    }

    @Test("responses marked no-store, private or no-cache, or setting a cookie, are never stored",
          arguments: [
              [HTTPField.Name.cacheControl: "no-store"], [.cacheControl: "private, max-age=60"],
              [.cacheControl: "no-cache"], [.setCookie: "session=1"], [.vary: "Accept-Language"],
          ] as [HTTPFields])
    func notStorable(headers: HTTPFields) async throws {
        try await application(headers: headers).test(.router) { client in
            for run in 1...3 {
                try await client.execute(uri: "/page", method: .get) { #expect(self.body($0) == "run \(run)") }
            }
        }
        #expect(runs.calls == 3)
    }

    @Test("requests waiting on a response that may not be stored run the route themselves")
    func waitersOfAPrivateResponseRunTheirOwn() async throws {
        let gate = CreationGate()
        try await application(headers: [.cacheControl: "private"], gate: gate).test(.router) { client in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<5 {
                    group.addTask { _ = try await client.execute(uri: "/page", method: .get) }
                }
                try await waitUntil { self.region.statistics.coalescedWaiters == 4 }
                gate.open()
                try await group.waitForAll()
            }
        }
        // The first run, then one for each of the four that waited; none was given another's answer.
        #expect(runs.calls == 5)
    }

    @Test("requests with Authorization or Cache-Control no-cache/no-store, and other methods, skip the cache",
          arguments: [[.authorization: "Bearer token"], [.cacheControl: "no-cache"], [.cacheControl: "no-store"]] as [HTTPFields])
    func requestsThatSkipTheCache(headers: HTTPFields) async throws {
        try await application().test(.router) { client in
            try await client.execute(uri: "/page", method: .get, headers: headers) { #expect(self.body($0) == "run 1") }
            try await client.execute(uri: "/page", method: .get, headers: headers) { #expect(self.body($0) == "run 2") }
            try await client.execute(uri: "/page", method: .post) { #expect(self.body($0) == "posted") }
            // Nothing was stored for a plain request either.
            try await client.execute(uri: "/page", method: .get) { #expect(self.body($0) == "run 4") }
        }
    }

    @Test("s-maxage, else max-age, is the stored response's lifetime")
    func maxAgeSetsTheLifetime() async throws {
        try await application(headers: [.cacheControl: "public, max-age=600, s-maxage=5"]).test(.router) { client in
            try await client.execute(uri: "/page", method: .get) { #expect(self.body($0) == "run 1") }
            clock.advance(by: 4)
            try await client.execute(uri: "/page", method: .get) { #expect(self.body($0) == "run 1") }
            clock.advance(by: 2)
            try await client.execute(uri: "/page", method: .get) { #expect(self.body($0) == "run 2") }
        }
    }

    @Test("a route's error reaches its request, is not cached, and requests that waited run their own")
    func errorsAreNotShared() async throws {
        let gate = CreationGate()
        try await application(gate: gate, failing: true).test(.router) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<3 {
                    group.addTask { try await client.execute(uri: "/page", method: .get) { $0.status } }
                }
                try await waitUntil { self.region.statistics.coalescedWaiters == 2 }
                gate.open()
                for try await status in group {
                    #expect(status == .serviceUnavailable)
                }
            }
        }
        #expect(runs.calls == 3)
        #expect(try await region.get("GET /page", as: CachedResponse.self) == nil)
    }
}
