import Logging

/// How a caller's missing and stale keys are created and stored: what
/// ``CacheRegion/run(_:flights:staleValues:mustReread:)`` needs besides the flights the caller
/// registered.
///
/// Not generic: generic code called across modules is not specialized, and its run-time type lookups
/// cost more than the rest of a miss. The caller's type lives in the one subclass,
/// ``TypedCreation``, which boxes each created value (``PayloadBox``) as it will be stored; the
/// flight machinery passes the boxes on, and each caller reads its own type back.
@usableFromInline
class Creation: @unchecked Sendable {
    // @unchecked: every stored property here and in the subclass is an immutable Sendable value.

    /// A created value, boxed with the attributes its creator chose, and whether `shouldCache` (and
    /// the creator's ``CreationContext``) let it be stored.
    typealias Created = (box: PayloadBox, isStored: Bool)

    /// The configuration the caller read with, used for the whole creation.
    let configuration: RegionConfiguration
    let expiration: CacheExpiration
    /// The caller's creation policy, else the region's.
    let policy: CreationPolicy
    /// Whether the creator makes one key's value, so that it runs for exactly one flight.
    let createsOneKey: Bool
    /// The logger of the call that started the creation (its own, else the region's), for the
    /// creation's debug lines.
    let logger: Logger

    init(configuration: RegionConfiguration, expiration: CacheExpiration, policy: CreationPolicy, createsOneKey: Bool, logger: Logger) {
        self.configuration = configuration
        self.expiration = expiration
        self.policy = policy
        self.createsOneKey = createsOneKey
        self.logger = logger
    }

    /// Calls the creator of one key, `key` as the caller gave it.
    nonisolated(nonsending) func createOne(key: String) async throws -> Created {
        fatalError("Creation is abstract")
    }

    /// Calls the creator of many keys: one value per key, in order, `nil` where it made none. The
    /// count is not checked here.
    nonisolated(nonsending) func create(_ keys: [String]) async throws -> [Created?] {
        fatalError("Creation is abstract")
    }

    /// The payload of a stored value, boxed as the caller's type, or `nil` when it is not of that type.
    func payload(of stored: CachedValue) -> PayloadBox? {
        fatalError("Creation is abstract")
    }
}

/// The ``Creation`` of a caller of type `Value`.
@usableFromInline
final class TypedCreation<Value: Sendable>: Creation, @unchecked Sendable {
    // @unchecked: as for the base class.

    /// Makes the values.
    @usableFromInline
    enum Creator: Sendable {
        /// The creator of one key's value.
        case one(@Sendable () async throws -> Value)
        /// The creator of one key's value that decides about it in a ``CreationContext``.
        case oneWithContext(@Sendable (inout CreationContext) async throws -> Value)
        /// The creator of many keys' values in one call: one value per key, in order, or `nil` where
        /// it made none (that key's callers get `valueNotCreated`, and nothing is stored for it); each
        /// value tagged with `tags` of its key, if given.
        case many(@Sendable ([String]) async throws -> [Value?], tags: (@Sendable (String) -> [String])?)

        /// The creator of one key's value tagged with `tags` (the caller's `tags:`).
        @usableFromInline
        static func tagging(_ tags: [String], _ create: @escaping @Sendable () async throws -> Value) -> Creator {
            tagging(tags) { (_: inout CreationContext) in try await create() }
        }

        /// The creator of one key's value that decides about it in a context starting with `tags`.
        @usableFromInline
        static func tagging(_ tags: [String], _ create: @escaping @Sendable (inout CreationContext) async throws -> Value) -> Creator {
            .oneWithContext { context in
                context.tags = tags
                return try await create(&context)
            }
        }
    }

    private let creator: Creator
    /// Whether to store a created value; `nil` for always.
    private let shouldCache: (@Sendable (Value) -> Bool)?

    init(
        configuration: RegionConfiguration,
        expiration: CacheExpiration,
        policy: CreationPolicy,
        shouldCache: (@Sendable (Value) -> Bool)?,
        creator: Creator,
        logger: Logger
    ) {
        self.creator = creator
        self.shouldCache = shouldCache
        if case .many = creator {
            super.init(configuration: configuration, expiration: expiration, policy: policy, createsOneKey: false, logger: logger)
        } else {
            super.init(configuration: configuration, expiration: expiration, policy: policy, createsOneKey: true, logger: logger)
        }
    }

    /// - Throws: The creator's error, or `invalidConfiguration` when it chose an expiration that is
    ///   negative or not finite.
    override nonisolated(nonsending) func createOne(key: String) async throws -> Created {
        switch creator {
        case .one(let create):
            return created(try await create())
        case .oneWithContext(let create):
            var context = CreationContext(key: key)
            let value = try await create(&context)
            let attributes = PayloadBox.Attributes.make(expirationTime: try context.expirationTime?.validated(), tags: try TagInvalidations.validated(context.tags))
            return (TypedPayloadBox(value, attributes: attributes), context.shouldCache && shouldCache?(value) ?? true)
        case .many:
            preconditionFailure("createOne(key:) called on a creator of many keys")
        }
    }

    override nonisolated(nonsending) func create(_ keys: [String]) async throws -> [Created?] {
        guard case .many(let create, let tagsOfKey) = creator else {
            preconditionFailure("create(_:) called on a creator of one key")
        }
        let values = try await create(keys)
        // A count that does not match is left for the runner to report.
        guard let tagsOfKey, values.count == keys.count else {
            return values.map { $0.map { created($0) } }
        }
        return try zip(keys, values).map { key, value in
            try value.map { try created($0, tags: TagInvalidations.validated(tagsOfKey(key))) }
        }
    }

    /// `value` boxed as `Value` with `tags`, so that hits read it back with a class check even when
    /// `Value` is a protocol or a superclass, and whether to store it.
    private func created(_ value: Value, tags: [String] = []) -> Created {
        (TypedPayloadBox(value, attributes: PayloadBox.Attributes.make(expirationTime: nil, tags: tags)), shouldCache?(value) ?? true)
    }

    override func payload(of stored: CachedValue) -> PayloadBox? {
        stored.box.payload(as: Value.self).map(stored.box.typed)
    }
}
