// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "DogpileBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "swift-dogpile-cache", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    ],
    targets: [
        .executableTarget(
            name: "RegionBenchmarks",
            dependencies: [
                .product(name: "DogpileCache", package: "swift-dogpile-cache"),
                .product(name: "DogpileCacheTesting", package: "swift-dogpile-cache"),
                .product(name: "DogpileMemcached", package: "swift-dogpile-cache"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/RegionBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "HitProfile",
            dependencies: [
                .product(name: "DogpileCache", package: "swift-dogpile-cache"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Profiles/HitProfile"
        ),
        .executableTarget(
            name: "InsertProfile",
            dependencies: [.product(name: "DogpileCache", package: "swift-dogpile-cache")],
            path: "Profiles/InsertProfile"
        ),
        .executableTarget(
            name: "CompareWorkloads",
            dependencies: [.product(name: "DogpileCache", package: "swift-dogpile-cache")],
            path: "Profiles/CompareWorkloads"
        ),
        .executableTarget(
            name: "hitrate",
            dependencies: [.product(name: "DogpileCache", package: "swift-dogpile-cache")],
            path: "hitrate"
        ),
        .executableTarget(
            name: "MemcachedLoad",
            dependencies: [
                .product(name: "DogpileCache", package: "swift-dogpile-cache"),
                .product(name: "DogpileMemcached", package: "swift-dogpile-cache"),
            ],
            path: "Profiles/MemcachedLoad"
        ),
    ],
    swiftLanguageModes: [.v6]
)
