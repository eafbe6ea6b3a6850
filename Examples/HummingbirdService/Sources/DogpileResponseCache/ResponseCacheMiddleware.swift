import DogpileCache
import HTTPTypes
import Hummingbird

/// A Hummingbird middleware that caches the responses of GET routes in a ``DogpileCache/CacheRegion``,
/// by URL: when many requests ask for a URL whose response is missing or expired, the route runs
/// once and every request gets its response (single flight per URL, across processes too with a
/// backend whose lock is shared, such as memcached with `distributedLock`).
///
/// ```swift
/// let pages = try CacheRegion(name: "pages", backend: memcached, expirationTime: .seconds(10))
/// router.group("top").add(middleware: ResponseCacheMiddleware(region: pages)).get { request, context in
///     try await catalog.topRated()
/// }
/// ```
///
/// The cache follows the rules of a shared cache (RFC 9111):
/// - Only GET requests are cached; a request with `Authorization`, or with `Cache-Control`
///   `no-store` or `no-cache`, runs the route and leaves the cache alone.
/// - A response is stored only when its status is cacheable by default (200, 404, …) and it has no
///   `Cache-Control` `no-store`, `no-cache` or `private`, no `Set-Cookie` and no `Vary`. A response
///   that may not be stored is given to the request that made it only: the requests that waited for
///   it run the route themselves.
/// - `s-maxage`, else `max-age`, sets the stored response's lifetime; without them the region's
///   expiration (or ``expirationTime``) applies.
/// - An error thrown by the route reaches its own request; the requests that waited run the route
///   themselves. Errors are never cached. A failing backend does not fail requests: the route runs.
///
/// The key is the path and query, `GET /top?limit=10`, not the host, so that every instance of a
/// service behind a load balancer shares the entry. A backend that limits its keys needs a key
/// mangler: give a memcached region `keyMangler: .sha1`, or URLs with spaces (`GET /top`) and long
/// ones are refused with `invalidKey`, which reaches the request. The region must not refresh in the background
/// (`backgroundRefresh` or an eager refresh): a refresh needs a request to run the route.
public struct ResponseCacheMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Where responses are stored.
    public let region: CacheRegion
    /// The lifetime of responses that give none, or `nil` for the region's.
    public let expirationTime: CacheExpiration?
    /// The longest body stored, in bytes; longer ones are returned but not stored. 1 MiB by default.
    public let maxBodySize: Int

    /// A middleware storing responses in `region`.
    public init(region: CacheRegion, expirationTime: CacheExpiration? = nil, maxBodySize: Int = 1 << 20) {
        self.region = region
        self.expirationTime = expirationTime
        self.maxBodySize = maxBodySize
    }

    /// Answers `request` from the cache, or runs the route (`next`) once for every request waiting
    /// on its URL.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let key = Self.key(for: request) else {
            return try await next(request, context)
        }
        let handoff = ResponseHandoff()
        let (region, expirationTime, logger) = (self.region, self.expirationTime, context.logger)
        // The lookup runs in a child task; this task runs the route if the region asks for it,
        // since the route (`next`) cannot leave it.
        return try await withThrowingTaskGroup(of: CachedResponse.self) { group in
            group.addTask {
                defer { handoff.lookupEnded() }
                return try await region.getOrCreate(key, expirationTime: expirationTime, logger: logger) { (creation: inout CreationContext) in
                    let response = try await handoff.responseFromRequest()
                    creation.shouldCache = response.isStorable
                    creation.expirationTime = response.maxAge.map { .seconds(Double($0)) }
                    return response
                }
            }
            switch await handoff.role() {
            case .create:
                let made: Result<CachedResponse, any Error>
                do {
                    made = .success(try await CachedResponse(collecting: next(request, context), maxBodySize: maxBodySize))
                } catch {
                    made = .failure(error)
                }
                handoff.deliver(made)
                _ = try? await group.next()
                return try made.get().response
            case .served:
                do {
                    let cached = try await group.next()!
                    if cached.isStorable {
                        return cached.response
                    }
                } catch is CancellationError where Task.isCancelled {
                    throw CancellationError()
                } catch let error as CacheError where error.code == .invalidKey {
                    throw error
                } catch {
                    // Another request's route failed: this request runs its own.
                }
                return try await next(request, context)
            }
        }
    }

    /// The cache key of `request`, or `nil` when it must not be answered from the cache.
    static func key(for request: Request) -> String? {
        guard request.method == .get, request.headers[.authorization] == nil else { return nil }
        let directives = CacheControlDirectives(request.headers[values: .cacheControl])
        guard !directives.noStore, !directives.noCache else { return nil }
        return "GET \(request.uri.description)"
    }
}
