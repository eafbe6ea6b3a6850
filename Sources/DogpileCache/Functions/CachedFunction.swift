import Logging

/// A function whose results are cached in a region, one key per set of arguments (dogpile's
/// `cache_on_arguments`). Made by ``CacheRegion/cacheOnArguments(name:namespace:expirationTime:policy:shouldCache:tags:keyGenerator:fileID:line:column:_:)``.
///
/// Call it like the function. Every call has the guarantees of
/// ``CacheRegion/getOrCreate(_:as:expirationTime:policy:shouldCache:tags:logger:creator:)-(_,_,_,_,_,_,_,()->Value)``: concurrent calls with the same
/// arguments run the function once, stale values are served while one call refreshes them, and so on.
///
/// ```swift
/// let loadUser = region.cacheOnArguments(name: "loadUser", namespace: "v1") { (id: Int) async throws -> User in
///     try await database.loadUser(id)
/// }
/// let user = try await loadUser(42)
/// ```
public final class CachedFunction<each Argument: CacheKeyRepresentable, Value: Sendable>: Sendable {
    /// The region the results are cached in.
    public let region: CacheRegion
    /// The function's identity in its keys.
    public let identity: CachedFunctionIdentity
    @usableFromInline let keyPrefix: String
    /// The wrapper's generator, else the region's; `nil` for the default, built inline.
    @usableFromInline let customKey: (@Sendable (CachedFunctionIdentity, [String]) -> String)?
    @usableFromInline let expirationTime: CachedFunctionExpiration?
    @usableFromInline let policy: CreationPolicy?
    @usableFromInline let shouldCache: (@Sendable (Value) -> Bool)?
    /// The tags of a call's value, from its arguments; `nil` for none.
    @usableFromInline let tags: (@Sendable (repeat each Argument) -> [String])?
    @usableFromInline let function: @Sendable (repeat each Argument) async throws -> Value
    @usableFromInline let collision: CacheError?
    /// For a function of one argument keyed by the default generator: its number in
    /// ``RecentFunctionKeys``, which remembers the keys it built recently.
    @usableFromInline let recentKeysNumber: UInt64?

    init(
        region: CacheRegion,
        identity: CachedFunctionIdentity,
        keyGenerator: FunctionKeyGenerator?,
        expirationTime: CachedFunctionExpiration?,
        policy: CreationPolicy?,
        shouldCache: (@Sendable (Value) -> Bool)?,
        tags: (@Sendable (repeat each Argument) -> [String])?,
        collision: CacheError?,
        function: @escaping @Sendable (repeat each Argument) async throws -> Value
    ) {
        self.region = region
        self.identity = identity
        self.keyPrefix = FunctionKeyGenerator.defaultPrefix(for: identity)
        self.customKey = (keyGenerator ?? region.functionKeyGenerator).generate
        self.expirationTime = expirationTime
        self.policy = policy
        self.shouldCache = shouldCache
        self.tags = tags
        self.collision = collision
        self.function = function
        var argumentCount = 0
        for _ in repeat (each Argument).self {
            argumentCount += 1
        }
        let reusesKeys = argumentCount == 1 && customKey == nil && collision == nil
        self.recentKeysNumber = reusesKeys ? RecentFunctionKeys.newFunctionNumber() : nil
    }

    /// The cached result for these arguments, or the function's result, cached.
    @inlinable @inline(__always)
    public nonisolated(nonsending) func callAsFunction(_ argument: repeat each Argument) async throws -> Value {
        try await call(repeat each argument, logger: nil)
    }

    /// The cached result for these arguments, or the function's result, cached; this call's debug
    /// lines go to `logger` (a request's logger) instead of the region's.
    @inlinable @inline(__always)
    public nonisolated(nonsending) func callAsFunction(_ argument: repeat each Argument, logger: Logger) async throws -> Value {
        try await call(repeat each argument, logger: logger)
    }

    @inlinable @inline(__always)
    nonisolated(nonsending) func call(_ argument: repeat each Argument, logger: Logger?) async throws -> Value {
        let key = try key(repeat each argument)
        let expiration = expirationTime?.expiration()
        let function = self.function
        let arguments = (repeat each argument)
        // The function is wrapped in a closure only when the value is not already fresh in synchronous storage.
        if let tags {
            return try await region.getOrCreate(
                key, expirationTime: expiration, policy: policy, shouldCache: shouldCache, logger: logger,
                making: .tagging(tags(repeat each arguments)) { try await function(repeat each arguments) }
            )
        }
        return try await region.getOrCreate(
            key, expirationTime: expiration, policy: policy, shouldCache: shouldCache, logger: logger,
            making: .one { try await function(repeat each arguments) }
        )
    }

    /// The cache key of a call with these arguments.
    ///
    /// - Throws: `keyCollision` when another wrapper of the region, made elsewhere in the code, has
    ///   the same identity.
    @inlinable
    public func key(_ argument: repeat each Argument) throws -> String {
        // Set only for a function of one argument, keyed by the default generator, without collision.
        if let recentKeysNumber, let identity = Self.identity(of: repeat each argument) {
            if let key = RecentFunctionKeys.key(function: recentKeysNumber, identity: identity) {
                return key
            }
            let key = FunctionKeyGenerator.defaultKey(prefix: keyPrefix, arguments: repeat each argument)
            RecentFunctionKeys.remember(key, function: recentKeysNumber, identity: identity)
            return key
        }
        if let collision {
            throw collision
        }
        if let customKey {
            var texts: [String] = []
            for argument in repeat each argument {
                texts.append(FunctionKeyGenerator.escapedText(of: argument))
            }
            return customKey(identity, texts)
        }
        return FunctionKeyGenerator.defaultKey(prefix: keyPrefix, arguments: repeat each argument)
    }

    /// The identity of the last argument (the only one where it is used); see
    /// ``RecentFunctionKeys/identity(of:)``.
    @inlinable
    static func identity(of argument: repeat each Argument) -> Int64? {
        var identity: Int64?
        repeat identity = RecentFunctionKeys.identity(of: each argument)
        return identity
    }

    /// Removes the cached result for these arguments.
    public nonisolated(nonsending) func invalidate(_ argument: repeat each Argument) async throws {
        try await region.delete(key(repeat each argument))
    }

    /// Runs the function (without the dogpile lock), stores its result and returns it.
    public nonisolated(nonsending) func refresh(_ argument: repeat each Argument) async throws -> Value {
        let key = try key(repeat each argument)
        _ = try region.configuration()  // before running the function: a refresh that cannot store fails first
        let value = try await function(repeat each argument)
        try await region.set(key, value, tags: tags(of: repeat each argument))
        return value
    }

    /// Stores `value` as the result for these arguments, without running the function.
    public nonisolated(nonsending) func set(_ value: Value, _ argument: repeat each Argument) async throws {
        try await region.set(key(repeat each argument), value, tags: tags(of: repeat each argument))
    }

    /// The tags of the value for these arguments.
    private func tags(of argument: repeat each Argument) -> [String] {
        guard let tags else { return [] }
        return tags(repeat each argument)
    }

    /// The fresh cached result for these arguments, or `nil`.
    public nonisolated(nonsending) func get(_ argument: repeat each Argument) async throws -> Value? {
        try await region.get(key(repeat each argument), as: Value.self, expirationTime: expirationTime?.expiration())
    }

    /// Runs the function itself, without the cache.
    public nonisolated(nonsending) func original(_ argument: repeat each Argument) async throws -> Value {
        try await function(repeat each argument)
    }
}
