/// How a caller's missing and stale keys are created: what ``CacheRegion/run(_:flights:staleValues:mustReread:)``
/// needs besides the flights the caller registered.
///
/// Generic over the value type only where the value is made and stored; the flight machinery passes
/// values on as `any Sendable`, and each caller casts its own back.
struct Creation<Value: Sendable>: Sendable {
    /// Makes the values.
    enum Creator: Sendable {
        /// The creator of one key's value.
        case one(@Sendable () async throws -> Value)
        /// The creator of many keys' values in one call: one value per key, in order, or `nil` where
        /// it made none (that key's callers get `valueNotCreated`, and nothing is stored for it).
        case many(@Sendable ([String]) async throws -> [Value?])
    }

    /// The configuration the caller read with, used for the whole creation.
    var configuration: RegionConfiguration
    var expiration: CacheExpiration
    /// Whether to store a created value; `nil` for always.
    var shouldCache: (@Sendable (Value) -> Bool)?
    var creator: Creator
}
