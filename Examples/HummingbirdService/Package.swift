// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "HummingbirdService",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "DogpileResponseCache", targets: ["DogpileResponseCache"]),
        .executable(name: "catalog-service", targets: ["CatalogService"]),
    ],
    dependencies: [
        .package(name: "swift-dogpile-cache", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        .target(
            name: "DogpileResponseCache",
            dependencies: [
                .product(name: "DogpileCache", package: "swift-dogpile-cache"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "CatalogService",
            dependencies: [
                "DogpileResponseCache",
                .product(name: "DogpileCache", package: "swift-dogpile-cache"),
                .product(name: "DogpileMemcached", package: "swift-dogpile-cache"),
                .product(name: "DogpileServiceLifecycle", package: "swift-dogpile-cache"),
                .product(name: "DogpileConfiguration", package: "swift-dogpile-cache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "DogpileResponseCacheTests",
            dependencies: [
                "DogpileResponseCache",
                .product(name: "DogpileCache", package: "swift-dogpile-cache"),
                .product(name: "DogpileCacheTesting", package: "swift-dogpile-cache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
