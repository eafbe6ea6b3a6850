import Configuration
import Logging

/// The service's settings, read from environment variables (every one optional):
///
/// | variable | default | |
/// |---|---|---|
/// | `HTTP_HOST`, `HTTP_PORT` | `127.0.0.1`, `8080` | where the service listens |
/// | `DATABASE_HOST`, `DATABASE_PORT`, `DATABASE_USER`, `DATABASE_NAME` | `127.0.0.1`, `5432`, `postgres`, `catalog` | PostgreSQL, without TLS or password (loopback) |
/// | `DATABASE_MAX_CONNECTIONS` | `16` | the connection pool's bound |
/// | `CACHE_ENABLED` | `true` | `false` serves every request from the database |
/// | `CACHE_EXPIRATION_SECONDS` | `10` | the lifetime of shared values (products and pages) |
/// | `CACHE_LOCAL_MAX_ENTRIES`, `CACHE_LOCAL_EXPIRATION_SECONDS` | `1000`, `1` | the bounded memory region in front of memcached |
/// | `MEMCACHED_URL`, `MEMCACHED_DISTRIBUTED_LOCK`, … | `127.0.0.1:11211`, `true` | the memcached backend: every argument of configuration by name, as `MEMCACHED_<ARGUMENT>` |
/// | `LOG_LEVEL` | `info` | JSON log lines at this level and above |
struct Settings {
    var host: String
    var port: Int
    var databaseHost: String
    var databasePort: Int
    var databaseUser: String
    var databaseName: String
    var databaseMaxConnections: Int
    var cachingEnabled: Bool
    var expirationSeconds: Double
    var localMaxEntries: Int
    var localExpirationSeconds: Double
    var logLevel: Logger.Level

    init(config: ConfigReader) throws {
        host = config.string(forKey: "http.host", default: "127.0.0.1")
        port = config.int(forKey: "http.port", default: 8080)
        databaseHost = config.string(forKey: "database.host", default: "127.0.0.1")
        databasePort = config.int(forKey: "database.port", default: 5432)
        databaseUser = config.string(forKey: "database.user", default: "postgres")
        databaseName = config.string(forKey: "database.name", default: "catalog")
        databaseMaxConnections = config.int(forKey: "database.max_connections", default: 16)
        cachingEnabled = config.bool(forKey: "cache.enabled", default: true)
        expirationSeconds = config.double(forKey: "cache.expiration_seconds", default: 10)
        localMaxEntries = config.int(forKey: "cache.local.max_entries", default: 1000)
        localExpirationSeconds = config.double(forKey: "cache.local.expiration_seconds", default: 1)
        let level = config.string(forKey: "log.level", default: "info")
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw SettingsError(message: "LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue)), got '\(level)'")
        }
        self.logLevel = logLevel
    }
}

struct SettingsError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
