import Configuration
import DogpileCache
import DogpileResponseCache
import DogpileServiceLifecycle
import Hummingbird
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// A catalog service: Hummingbird routes over PostgreSQL, cached in memcached (shared by every
/// instance, with its distributed lock) behind a bounded memory region, with Prometheus metrics and
/// JSON logs. Settings come from environment variables (``Settings``).
///
/// - `GET /products/{id}`: a product and its reviews' summary, through two cached functions: the
///   bounded memory region in front of the shared memcached region.
/// - `GET /top`: the best-rated products, an aggregate over every review, through the response
///   cache (`ResponseCacheMiddleware`) in memcached.
/// - `GET /metrics`: every metric, in Prometheus' text format.
/// - `GET /health`: `ok`.
@main
struct CatalogService {
    static func main() async throws {
        let config = ConfigReader(provider: EnvironmentVariablesProvider())
        let settings = try Settings(config: config)
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, logLevel: settings.logLevel) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "catalog")

        var database = PostgresClient.Configuration(
            host: settings.databaseHost, port: settings.databasePort, username: settings.databaseUser,
            password: nil, database: settings.databaseName, tls: .disable
        )
        database.options.maximumConnections = settings.databaseMaxConnections
        let postgres = PostgresClient(configuration: database, backgroundLogger: logger)
        let catalog = Catalog(client: postgres)
        let caches = settings.cachingEnabled ? try Caches(settings: settings, config: config, logger: logger) : nil

        let router = Router()
        router.add(middleware: MetricsMiddleware())
        router.get("/health") { _, _ in "ok" }
        router.get("/metrics") { _, _ in
            // Regions report hits in batches: send the rest first.
            caches?.regions.forEach { $0.flushMetrics() }
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
        let product: @Sendable (Int, Logger) async throws -> Product?
        if let caches {
            let shared = caches.products.cacheOnArguments(name: "product", namespace: "v1") { (id: Int) async throws -> Product? in
                try await catalog.product(id: id, logger: logger)
            }
            let local = caches.localProducts.cacheOnArguments(name: "product") { (id: Int) async throws -> Product? in
                try await shared(id)
            }
            product = { id, logger in try await local(id, logger: logger) }
        } else {
            product = { id, logger in try await catalog.product(id: id, logger: logger) }
        }
        router.get("/products/:id") { _, context -> Product in
            let id = try context.parameters.require("id", as: Int.self)
            guard let found = try await product(id, context.logger) else { throw HTTPError(.notFound) }
            return found
        }
        let top = caches.map { router.group("top").add(middleware: ResponseCacheMiddleware(region: $0.pages)) } ?? router.group("top")
        top.get { _, context in
            try await catalog.topRated(limit: 20, logger: context.logger)
        }

        // The group shuts its services down last to first: the server drains its requests, then
        // the regions finish their creations, then memcached its calls, then PostgreSQL.
        var services: [any Service] = [postgres]
        if let caches {
            services += [caches.memcached, CacheRegionService(regions: caches.regions)]
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "catalog"),
            services: services,
            logger: logger
        )
        logger.notice("starting", metadata: ["port": "\(settings.port)", "caching": "\(settings.cachingEnabled)"])
        try await app.runService()
    }
}
