import Configuration
import DogpileCache
import DogpileConfiguration
import DogpileMemcached
import Logging

/// The service's caches: memcached, shared by every instance and locked across them, and the
/// regions over it.
struct Caches {
    let memcached: MemcachedBackend
    /// Products, in memcached.
    let products: CacheRegion
    /// Products, in a bounded memory region of this instance in front of ``products``, for a short
    /// time: a hot product costs no round trip.
    let localProducts: CacheRegion
    /// Whole responses (`ResponseCacheMiddleware`), in memcached.
    let pages: CacheRegion

    var regions: [CacheRegion] { [products, localProducts, pages] }

    /// The caches `settings` describe; memcached's own settings are read from `MEMCACHED_*` in
    /// `config` (default `MEMCACHED_URL=127.0.0.1:11211`, `MEMCACHED_DISTRIBUTED_LOCK=true`).
    init(settings: Settings, config: ConfigReader, logger: Logger) throws {
        let defaults = InMemoryProvider(values: ["memcached.url": "127.0.0.1:11211", "memcached.distributed_lock": true])
        var configuration = try MemcachedBackend.Configuration(
            arguments: BackendArguments(ConfigReader(providers: [EnvironmentVariablesProvider(), defaults]), prefix: "memcached")
        )
        // Values outlive their expiration in memcached, so that one process regenerates a stale
        // value while every other request is served it.
        configuration.memcachedExpireTime = .seconds(Int64(settings.expirationSeconds * 10) + 60)
        memcached = try MemcachedBackend(configuration: configuration, logger: logger)
        let expiration = CacheExpiration.seconds(settings.expirationSeconds)
        products = try CacheRegion(name: "products", backend: memcached, expirationTime: expiration, logger: logger)
        var local = MemoryBackend.Configuration(maxEntries: settings.localMaxEntries)
        local.name = "products.local"
        localProducts = try CacheRegion(
            name: "products.local", backend: MemoryBackend(configuration: local),
            expirationTime: .seconds(settings.localExpirationSeconds), logger: logger
        )
        // URLs can hold any character and be longer than memcached's keys.
        pages = try CacheRegion(name: "pages", backend: memcached, expirationTime: expiration, keyMangler: .sha1, logger: logger)
    }
}
