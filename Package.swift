// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "swift-dogpile-cache",
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .library(name: "DogpileCache", targets: ["DogpileCache"]),
        .library(name: "DogpileCacheTesting", targets: ["DogpileCacheTesting"]),
        .library(name: "DogpileMemcached", targets: ["DogpileMemcached"]),
        .library(name: "DogpileMemcachedTesting", targets: ["DogpileMemcachedTesting"]),
        .library(name: "DogpileServiceLifecycle", targets: ["DogpileServiceLifecycle"]),
        .library(name: "DogpileConfiguration", targets: ["DogpileConfiguration"]),
        .executable(name: "dogpile-demo", targets: ["dogpile-demo"]),
        .executable(name: "dogpile-chaos", targets: ["dogpile-chaos"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.0.0", traits: [.defaults, "YAML"]),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.4.0"),
    ],
    targets: [
        .target(
            name: "DogpileCache",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        .systemLibrary(
            name: "CLibmemcached",
            pkgConfig: "libmemcached",
            providers: [.apt(["libmemcached-dev"]), .brew(["libmemcached"])]
        ),
        .target(
            name: "DogpileMemcached",
            dependencies: [
                "DogpileCache", "CLibmemcached",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DogpileServiceLifecycle",
            dependencies: ["DogpileCache", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]
        ),
        .target(
            name: "DogpileConfiguration",
            dependencies: ["DogpileCache", .product(name: "Configuration", package: "swift-configuration")]
        ),
        .target(
            name: "DogpileCacheTesting",
            dependencies: [
                "DogpileCache",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .target(
            name: "DogpileMemcachedTesting",
            dependencies: ["DogpileCache", "DogpileMemcached"]
        ),
        .target(
            name: "DogpileChaos",
            dependencies: ["DogpileCache", "DogpileCacheTesting", "DogpileMemcached", "DogpileMemcachedTesting", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/chaos/Sources/DogpileChaos"
        ),
        .executableTarget(
            name: "dogpile-chaos",
            dependencies: ["DogpileChaos", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/chaos/Sources/dogpile-chaos"
        ),
        .executableTarget(
            name: "dogpile-demo",
            dependencies: ["DogpileCache"]
        ),
        .testTarget(
            name: "DogpileCacheTests",
            dependencies: [
                "DogpileCache", "DogpileCacheTesting",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
            ]
        ),
        .executableTarget(
            name: "dogpile-fleet-node",
            dependencies: ["DogpileCache", "DogpileMemcached"],
            path: "Tests/FleetNode"
        ),
        .testTarget(
            name: "DogpileMemcachedTests",
            dependencies: [
                "DogpileMemcached", "DogpileCache", "DogpileCacheTesting", "DogpileMemcachedTesting", "DogpileChaos",
                "DogpileServiceLifecycle", "DogpileConfiguration",
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
