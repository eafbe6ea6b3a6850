import Logging

/// A function of many arguments at once whose result for each argument is cached under a key of its
/// own (dogpile's `cache_multi_on_arguments`). Made by `CacheRegion.cacheMultiOnArguments`.
///
/// A call reads every argument's key with one backend call, then calls the function once with only
/// the arguments whose values are missing or stale and not already being created elsewhere; every
/// guarantee of ``CacheRegion/getOrCreateMulti(_:as:expirationTime:policy:shouldCache:tags:logger:creator:)`` holds.
///
/// `Output` is `[Value]` (results in argument order) or `[Argument: Value]` (results keyed by
/// argument, leaving out arguments the function returned nothing for), depending on whether the
/// wrapped function returns an array or a dictionary.
public final class CachedMultiFunction<Argument: CacheKeyRepresentable & Hashable, Value: Sendable, Output: Sendable>: Sendable {
    /// The region the results are cached in.
    public let region: CacheRegion
    /// The function's identity in its keys.
    public let identity: CachedFunctionIdentity
    private let keyPrefix: String
    private let keyGenerator: FunctionKeyGenerator?
    private let expirationTime: CachedFunctionExpiration?
    private let policy: CreationPolicy?
    private let shouldCache: (@Sendable (Value) -> Bool)?
    /// The tags of an argument's value; `nil` for none.
    private let tags: (@Sendable (Argument) -> [String])?
    private let collision: CacheError?
    /// The function, as one value (or `nil` when it returned none) per argument, in order.
    private let create: @Sendable ([Argument]) async throws -> [Value?]
    /// Whether arguments the function returned no value for are left out rather than an error.
    private let omitsMissing: Bool
    /// Builds the output from the arguments and their values.
    private let assemble: @Sendable ([Argument], [Value?]) -> Output

    init(
        region: CacheRegion,
        identity: CachedFunctionIdentity,
        keyGenerator: FunctionKeyGenerator?,
        expirationTime: CachedFunctionExpiration?,
        policy: CreationPolicy?,
        shouldCache: (@Sendable (Value) -> Bool)?,
        tags: (@Sendable (Argument) -> [String])?,
        collision: CacheError?,
        omitsMissing: Bool,
        create: @escaping @Sendable ([Argument]) async throws -> [Value?],
        assemble: @escaping @Sendable ([Argument], [Value?]) -> Output
    ) {
        self.region = region
        self.identity = identity
        self.keyPrefix = FunctionKeyGenerator.defaultPrefix(for: identity)
        self.keyGenerator = keyGenerator
        self.expirationTime = expirationTime
        self.policy = policy
        self.shouldCache = shouldCache
        self.tags = tags
        self.collision = collision
        self.omitsMissing = omitsMissing
        self.create = create
        self.assemble = assemble
    }

    /// The cached results for `arguments`, creating the missing and stale ones with one call of the
    /// function.
    public nonisolated(nonsending) func callAsFunction(_ arguments: [Argument]) async throws -> Output {
        try await call(arguments, logger: nil)
    }

    /// The cached results for `arguments`, as the plain call; this call's debug lines go to `logger`
    /// (a request's logger) instead of the region's.
    public nonisolated(nonsending) func callAsFunction(_ arguments: [Argument], logger: Logger) async throws -> Output {
        try await call(arguments, logger: logger)
    }

    private nonisolated(nonsending) func call(_ arguments: [Argument], logger: Logger?) async throws -> Output {
        let keys = try keys(arguments)
        let argumentOfKey = try argumentsByKey(keys, arguments)
        let create = self.create
        var tagsOfKey: (@Sendable (String) -> [String])?
        if let tags {
            tagsOfKey = { [argumentOfKey] key in tags(argumentOfKey[key]!) }
        }
        let values = try await region.getOrCreateMulti(
            keys,
            expirationTime: expirationTime?.expiration(),
            policy: policy,
            shouldCache: shouldCache,
            omitting: omitsMissing,
            tags: tagsOfKey,
            logger: logger
        ) { [argumentOfKey] requested in
            try await create(requested.map { argumentOfKey[$0]! })
        }
        return assemble(arguments, values)
    }

    /// The cache keys of `arguments`, in order.
    ///
    /// - Throws: `keyCollision` when another wrapper of the region, made elsewhere in the code, has
    ///   the same identity.
    public func keys(_ arguments: [Argument]) throws -> [String] {
        if let collision {
            throw collision
        }
        if let generate = (keyGenerator ?? region.functionKeyGenerator).generate {
            return arguments.map { generate(identity, [FunctionKeyGenerator.escapedText(of: $0)]) }
        }
        return arguments.map { FunctionKeyGenerator.defaultKey(prefix: keyPrefix, arguments: $0) }
    }

    /// Maps each key back to its argument; throws `keyCollision` when a key generator gave two
    /// different arguments one key.
    private func argumentsByKey(_ keys: [String], _ arguments: [Argument]) throws -> [String: Argument] {
        var argumentOfKey: [String: Argument] = [:]
        for (key, argument) in zip(keys, arguments) {
            if let existing = argumentOfKey.updateValue(argument, forKey: key), existing != argument {
                throw CacheError(
                    .keyCollision,
                    "the arguments \(existing) and \(argument) of '\(identity)' have the same key '\(key)'"
                )
            }
        }
        return argumentOfKey
    }

    /// Removes the cached results for `arguments`, with one backend call.
    public nonisolated(nonsending) func invalidate(_ arguments: [Argument]) async throws {
        try await region.deleteMulti(keys(arguments))
    }

    /// Runs the function with all of `arguments` (without the dogpile lock), stores every result with
    /// one backend call and returns them.
    public nonisolated(nonsending) func refresh(_ arguments: [Argument]) async throws -> Output {
        let keys = try keys(arguments)
        let argumentOfKey = try argumentsByKey(keys, arguments)
        _ = try region.configuration()  // before running the function: a refresh that cannot store fails first
        let values = try await create(arguments)
        guard values.count == arguments.count else {
            throw CacheError(
                .creatorResultCountMismatch,
                "the function returned \(values.count) values for \(arguments.count) arguments"
            )
        }
        var stored: [String: Value] = [:]
        for (key, value) in zip(keys, values) {
            stored[key] = value
        }
        try await store(stored, argumentOfKey: argumentOfKey)
        return assemble(arguments, values)
    }

    /// Stores each value as the result for its argument, without running the function.
    public nonisolated(nonsending) func set(_ values: [Argument: Value]) async throws {
        let arguments = Array(values.keys)
        let keys = try keys(arguments)
        let argumentOfKey = try argumentsByKey(keys, arguments)
        var stored: [String: Value] = [:]
        for (key, argument) in zip(keys, arguments) {
            stored[key] = values[argument]
        }
        try await store(stored, argumentOfKey: argumentOfKey)
    }

    /// Stores `values` by key with one backend call, each tagged from its argument.
    private nonisolated(nonsending) func store(_ values: [String: Value], argumentOfKey: [String: Argument]) async throws {
        guard let tags else {
            return try await region.setMulti(values)
        }
        try await region.setMulti(values) { key in try TagInvalidations.validated(tags(argumentOfKey[key]!)) }
    }

    /// The fresh cached results for `arguments`, in order, `nil` where there is none.
    public nonisolated(nonsending) func get(_ arguments: [Argument]) async throws -> [Value?] {
        try await region.getMulti(keys(arguments), as: Value.self, expirationTime: expirationTime?.expiration())
    }
}
