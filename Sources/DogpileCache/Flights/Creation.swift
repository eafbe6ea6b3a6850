/// How a caller's missing and stale keys are created and stored: what
/// ``CacheRegion/run(_:flights:staleValues:mustReread:)`` needs besides the flights the caller
/// registered.
///
/// Not generic: generic code called across modules is not specialized, and its run-time type lookups
/// cost more than the rest of a miss. The caller's type lives in the one subclass,
/// ``TypedCreation``, and the flight machinery passes values on as `any Sendable`; each caller casts
/// its own back.
@usableFromInline
class Creation: @unchecked Sendable {
    // @unchecked: every stored property here and in the subclass is an immutable Sendable value.

    /// The configuration the caller read with, used for the whole creation.
    let configuration: RegionConfiguration
    let expiration: CacheExpiration
    /// Whether the creator makes one key's value, so that it runs for exactly one flight.
    let createsOneKey: Bool

    init(configuration: RegionConfiguration, expiration: CacheExpiration, createsOneKey: Bool) {
        self.configuration = configuration
        self.expiration = expiration
        self.createsOneKey = createsOneKey
    }

    /// Calls the creator of one key: its value, and the value as stored with `creationTime`, or `nil`
    /// when `shouldCache` keeps it out.
    nonisolated(nonsending) func createOne(creationTime: Double) async throws -> (value: any Sendable, stored: CachedValue?) {
        fatalError("Creation is abstract")
    }

    /// Calls the creator of many keys: one value per key, in order, `nil` where it made none. The
    /// count is not checked here.
    nonisolated(nonsending) func create(_ keys: [String]) async throws -> [(any Sendable)?] {
        fatalError("Creation is abstract")
    }

    /// Whether a created value is to be stored (`shouldCache`).
    func shouldStore(_ value: any Sendable) -> Bool {
        fatalError("Creation is abstract")
    }

    /// A created value as stored, boxed by the caller's type so that hits read it back with a class
    /// check even when that type is a protocol or a superclass.
    func stored(_ value: any Sendable, creationTime: Double) -> CachedValue {
        fatalError("Creation is abstract")
    }

    /// The payload of a stored value when it is of the caller's type.
    func payload(of stored: CachedValue) -> (any Sendable)? {
        fatalError("Creation is abstract")
    }
}

/// The ``Creation`` of a caller of type `Value`.
@usableFromInline
final class TypedCreation<Value: Sendable>: Creation, @unchecked Sendable {
    // @unchecked: as for the base class.

    /// Makes the values.
    enum Creator: Sendable {
        /// The creator of one key's value.
        case one(@Sendable () async throws -> Value)
        /// The creator of many keys' values in one call: one value per key, in order, or `nil` where
        /// it made none (that key's callers get `valueNotCreated`, and nothing is stored for it).
        case many(@Sendable ([String]) async throws -> [Value?])
    }

    private let creator: Creator
    /// Whether to store a created value; `nil` for always.
    private let shouldCache: (@Sendable (Value) -> Bool)?

    init(
        configuration: RegionConfiguration,
        expiration: CacheExpiration,
        shouldCache: (@Sendable (Value) -> Bool)?,
        creator: Creator
    ) {
        self.creator = creator
        self.shouldCache = shouldCache
        if case .one = creator {
            super.init(configuration: configuration, expiration: expiration, createsOneKey: true)
        } else {
            super.init(configuration: configuration, expiration: expiration, createsOneKey: false)
        }
    }

    override nonisolated(nonsending) func createOne(creationTime: Double) async throws -> (value: any Sendable, stored: CachedValue?) {
        guard case .one(let create) = creator else {
            preconditionFailure("createOne(creationTime:) called on a creator of many keys")
        }
        let value = try await create()
        guard shouldCache?(value) ?? true else { return (value, nil) }
        return (value, CachedValue(typed: value, creationTime: creationTime))
    }

    override nonisolated(nonsending) func create(_ keys: [String]) async throws -> [(any Sendable)?] {
        guard case .many(let create) = creator else {
            preconditionFailure("create(_:) called on a creator of one key")
        }
        return try await create(keys).map { $0 }
    }

    override func shouldStore(_ value: any Sendable) -> Bool {
        guard let shouldCache, let value = value as? Value else { return true }
        return shouldCache(value)
    }

    override func stored(_ value: any Sendable, creationTime: Double) -> CachedValue {
        guard let value = value as? Value else { return CachedValue(payload: value, creationTime: creationTime) }
        return CachedValue(typed: value, creationTime: creationTime)
    }

    override func payload(of stored: CachedValue) -> (any Sendable)? {
        stored.payload(as: Value.self)
    }
}
