/// Cached functions: dogpile's `cache_on_arguments` and `cache_multi_on_arguments`.
extension CacheRegion {
    /// Wraps `function` so that its results are cached in this region, one key per set of arguments.
    ///
    /// Wrappers can be made before the region is configured; calls before then throw
    /// `regionNotConfigured` (``CachedFunction/original(_:)`` works at any time).
    ///
    /// - Parameters:
    ///   - name: The function's name in its keys. Defaults to the declaration the wrapper is made in
    ///     (for `let loadUser = region.cacheOnArguments { … }`, `loadUser`), which is the same in every
    ///     build and process. Two wrappers made in one declaration need distinct names or namespaces;
    ///     otherwise the second one's calls throw `keyCollision`.
    ///   - namespace: A further part of the key, to tell apart functions of the same name.
    ///   - expirationTime: Overrides the region's expiration for this function's values, fixed or
    ///     computed on every call.
    ///   - shouldCache: Called with each new result; returning `false` returns it without storing it.
    ///   - keyGenerator: Builds this function's keys instead of the region's ``functionKeyGenerator``.
    ///   - function: The function to cache. Its arguments must be ``CacheKeyRepresentable``.
    public nonisolated func cacheOnArguments<each Argument: CacheKeyRepresentable, Value: Sendable>(
        name: String = #function,
        namespace: String? = nil,
        expirationTime: CachedFunctionExpiration? = nil,
        shouldCache: (@Sendable (Value) -> Bool)? = nil,
        keyGenerator: FunctionKeyGenerator? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        _ function: @escaping @Sendable (repeat each Argument) async throws -> Value
    ) -> CachedFunction<repeat each Argument, Value> {
        let identity = CachedFunctionIdentity(module: Self.module(of: fileID), name: name, namespace: namespace)
        return CachedFunction(
            region: self,
            identity: identity,
            keyGenerator: keyGenerator,
            expirationTime: expirationTime,
            shouldCache: shouldCache,
            collision: registerFunction(identity, multi: false, at: "\(fileID):\(line)"),
            function: function
        )
    }

    /// Records where the wrapper of `identity` was made; returns a `keyCollision` error when another
    /// place in the code made a wrapper of the same kind with the same identity. A single and a multi
    /// wrapper may share an identity: that is how a `user(id)` and a `users(ids)` share their keys.
    nonisolated func registerFunction(_ identity: CachedFunctionIdentity, multi: Bool, at location: String) -> CacheError? {
        let existing = functionLocations.withLock { locations in
            let entry = FunctionRegistration(identity: identity, multi: multi)
            if let existing = locations[entry] { return existing }
            locations[entry] = location
            return location
        }
        guard existing != location else { return nil }
        return CacheError(
            .keyCollision,
            "the cached functions made at \(existing) and \(location) both have the identity '\(identity)' and would share keys; give one of them a name: or a namespace:"
        )
    }

    /// A wrapper's identity and kind, for ``registerFunction(_:multi:at:)``.
    struct FunctionRegistration: Hashable, Sendable {
        var identity: CachedFunctionIdentity
        var multi: Bool
    }

    /// The module part of a `#fileID` (`Module/File.swift`).
    static func module(of fileID: String) -> String {
        String(fileID.prefix { $0 != "/" })
    }
}

extension CacheRegion {
    /// Wraps a function of many arguments so that each argument's result is cached under its own key.
    ///
    /// `function` is called with the arguments whose values are missing or stale and must return one
    /// value per argument, in the same order. A call returns the values in argument order.
    /// Parameters are those of ``cacheOnArguments(name:namespace:expirationTime:shouldCache:keyGenerator:fileID:line:_:)``;
    /// keys are `module:name|[namespace|]argument`.
    public nonisolated func cacheMultiOnArguments<Argument: CacheKeyRepresentable & Hashable, Value: Sendable>(
        name: String = #function,
        namespace: String? = nil,
        expirationTime: CachedFunctionExpiration? = nil,
        shouldCache: (@Sendable (Value) -> Bool)? = nil,
        keyGenerator: FunctionKeyGenerator? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        _ function: @escaping @Sendable ([Argument]) async throws -> [Value]
    ) -> CachedMultiFunction<Argument, Value, [Value]> {
        makeMultiFunction(
            name: name, namespace: namespace, expirationTime: expirationTime, shouldCache: shouldCache,
            keyGenerator: keyGenerator, location: "\(fileID):\(line)", module: Self.module(of: fileID),
            omitsMissing: false,
            create: { arguments in try await function(arguments).map(Optional.some) },
            assemble: { _, values in values.map { $0! } }
        )
    }

    /// Wraps a function of many arguments that returns its results keyed by argument (dogpile's
    /// `asdict=True`).
    ///
    /// Arguments the function leaves out of its dictionary are not cached and are left out of the
    /// call's result.
    public nonisolated func cacheMultiOnArguments<Argument: CacheKeyRepresentable & Hashable, Value: Sendable>(
        name: String = #function,
        namespace: String? = nil,
        expirationTime: CachedFunctionExpiration? = nil,
        shouldCache: (@Sendable (Value) -> Bool)? = nil,
        keyGenerator: FunctionKeyGenerator? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        _ function: @escaping @Sendable ([Argument]) async throws -> [Argument: Value]
    ) -> CachedMultiFunction<Argument, Value, [Argument: Value]> {
        makeMultiFunction(
            name: name, namespace: namespace, expirationTime: expirationTime, shouldCache: shouldCache,
            keyGenerator: keyGenerator, location: "\(fileID):\(line)", module: Self.module(of: fileID),
            omitsMissing: true,
            create: { arguments in
                let results = try await function(arguments)
                return arguments.map { results[$0] }
            },
            assemble: { arguments, values in
                var results: [Argument: Value] = [:]
                for (argument, value) in zip(arguments, values) {
                    results[argument] = value
                }
                return results
            }
        )
    }

    private nonisolated func makeMultiFunction<Argument: CacheKeyRepresentable & Hashable, Value: Sendable, Output: Sendable>(
        name: String,
        namespace: String?,
        expirationTime: CachedFunctionExpiration?,
        shouldCache: (@Sendable (Value) -> Bool)?,
        keyGenerator: FunctionKeyGenerator?,
        location: String,
        module: String,
        omitsMissing: Bool,
        create: @escaping @Sendable ([Argument]) async throws -> [Value?],
        assemble: @escaping @Sendable ([Argument], [Value?]) -> Output
    ) -> CachedMultiFunction<Argument, Value, Output> {
        let identity = CachedFunctionIdentity(module: module, name: name, namespace: namespace)
        return CachedMultiFunction(
            region: self,
            identity: identity,
            keyGenerator: keyGenerator,
            expirationTime: expirationTime,
            shouldCache: shouldCache,
            collision: registerFunction(identity, multi: true, at: location),
            omitsMissing: omitsMissing,
            create: create,
            assemble: assemble
        )
    }
}
