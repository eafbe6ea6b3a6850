/// A function applied to every key before it reaches the backend: to prefix keys in a shared
/// cache, or to turn long keys into fixed-length digests.
///
/// The region mangles keys for every operation, the in-flight map and ``CacheRegion/isKeyLocked(_:)``
/// included, so callers always pass the keys they know.
public struct KeyMangler: Sendable {
    private let transform: @Sendable (String) -> String

    /// Creates a mangler from a function.
    public init(_ transform: @escaping @Sendable (String) -> String) {
        self.transform = transform
    }

    /// The mangled form of `key`.
    public func callAsFunction(_ key: String) -> String {
        transform(key)
    }

    /// Puts `prefix` in front of every key, as in dogpile's `key_mangler=lambda k: "myapp:" + k`.
    public static func prefix(_ prefix: String) -> KeyMangler {
        KeyMangler { prefix + $0 }
    }
}
