/// Cached functions: dogpile's `cache_on_arguments` and `cache_multi_on_arguments`.
extension CacheRegion {
    /// Wraps `function` so that its results are cached in this region, one key per set of arguments.
    ///
    /// Wrappers can be made before the region is configured; calls before then throw
    /// `regionNotConfigured` (``CachedFunction/original(_:)`` works at any time).
    ///
    /// - Parameters:
    ///   - name: The function's name in its keys, such as `"loadUser"`: the same in every build and
    ///     process, so processes sharing a cache agree on keys. A second wrapper with the same module,
    ///     name and namespace but made at another place in the code, or with other argument or value
    ///     types, would share keys with the first: its calls throw `keyCollision`. Wrappers made in a
    ///     loop or a factory for different functions must vary `namespace:`.
    ///   - namespace: A further part of the key, to tell apart functions of the same name.
    ///   - expirationTime: Overrides the region's expiration for this function's values, fixed or
    ///     computed on every call.
    ///   - policy: Replaces the region's ``CreationPolicy`` for this function's values.
    ///   - shouldCache: Called with each new result; returning `false` returns it without storing it.
    ///   - tags: The tags of the value of a call, from its arguments (`{ id in ["user:\(id)"] }`),
    ///     stored with it: ``invalidate(tag:hard:)`` reaches it. Called only when a value is created.
    ///   - keyGenerator: Builds this function's keys instead of the region's ``functionKeyGenerator``.
    ///   - fileID: Where the wrapper is made, for its module and collision checks; leave the default.
    ///   - line: Where the wrapper is made; leave the default.
    ///   - column: Where the wrapper is made; leave the default.
    ///   - function: The function to cache. Its arguments must be ``CacheKeyRepresentable``.
    public nonisolated func cacheOnArguments<each Argument: CacheKeyRepresentable, Value: Sendable>(
        name: String,
        namespace: String? = nil,
        expirationTime: CachedFunctionExpiration? = nil,
        policy: CreationPolicy? = nil,
        shouldCache: (@Sendable (Value) -> Bool)? = nil,
        tags: (@Sendable (repeat each Argument) -> [String])? = nil,
        keyGenerator: FunctionKeyGenerator? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        _ function: @escaping @Sendable (repeat each Argument) async throws -> Value
    ) -> CachedFunction<repeat each Argument, Value> {
        let identity = CachedFunctionIdentity(module: Self.module(of: fileID), name: name, namespace: namespace)
        var argumentTypes: [String] = []
        for argumentType in repeat (each Argument).self {
            argumentTypes.append("\(argumentType)")
        }
        return CachedFunction(
            region: self,
            identity: identity,
            keyGenerator: keyGenerator,
            expirationTime: expirationTime,
            policy: policy,
            shouldCache: shouldCache,
            tags: tags,
            collision: registerFunction(
                identity,
                FunctionRegistration(
                    location: "\(fileID):\(line):\(column)",
                    multi: false,
                    signature: "(\(argumentTypes.joined(separator: ", "))) -> \(Value.self)"
                )
            ),
            function: function
        )
    }

    /// Records the wrapper of `identity`; returns a `keyCollision` error when it would share keys with
    /// a different function: one made at another place in the code, or with other argument or value
    /// types. A single and a multi wrapper of the same types may share an identity: that is how a
    /// `user(id)` and a `users(ids)` share their keys.
    nonisolated func registerFunction(_ identity: CachedFunctionIdentity, _ registration: FunctionRegistration) -> CacheError? {
        let conflicting = functionRegistrations.withLock { registrations -> FunctionRegistration? in
            let existing = registrations[identity, default: []]
            if let conflict = existing.first(where: { !$0.canShareKeys(with: registration) }) {
                return conflict
            }
            if !existing.contains(registration) {
                registrations[identity, default: []].append(registration)
            }
            return nil
        }
        guard let conflicting else { return nil }
        return CacheError(
            .keyCollision,
            "the cached functions made at \(conflicting.location) \(conflicting.signature) and at \(registration.location) \(registration.signature) both have the identity '\(identity)' and would share keys; give one of them another name: or namespace:"
        )
    }

    /// Where and for what types a cached function was made, for ``registerFunction(_:_:)``.
    struct FunctionRegistration: Hashable, Sendable {
        /// `fileID:line:column`.
        var location: String
        var multi: Bool
        /// The argument and value types, as `(Int) -> String`.
        var signature: String

        /// Whether two wrappers may use the same keys: the same wrapper made again (in a function
        /// called more than once), or a single and a multi wrapper of the same types.
        func canShareKeys(with other: FunctionRegistration) -> Bool {
            signature == other.signature && (location == other.location || multi != other.multi)
        }
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
    /// Parameters are those of ``cacheOnArguments(name:namespace:expirationTime:policy:shouldCache:tags:keyGenerator:fileID:line:column:_:)``,
    /// with `tags` giving the tags of each argument's value; keys are `module:name|[namespace|]argument`.
    public nonisolated func cacheMultiOnArguments<Argument: CacheKeyRepresentable & Hashable, Value: Sendable>(
        name: String,
        namespace: String? = nil,
        expirationTime: CachedFunctionExpiration? = nil,
        policy: CreationPolicy? = nil,
        shouldCache: (@Sendable (Value) -> Bool)? = nil,
        tags: (@Sendable (Argument) -> [String])? = nil,
        keyGenerator: FunctionKeyGenerator? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        _ function: @escaping @Sendable ([Argument]) async throws -> [Value]
    ) -> CachedMultiFunction<Argument, Value, [Value]> {
        makeMultiFunction(
            name: name, namespace: namespace, expirationTime: expirationTime, policy: policy, shouldCache: shouldCache,
            tags: tags, keyGenerator: keyGenerator, location: "\(fileID):\(line):\(column)", module: Self.module(of: fileID),
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
        name: String,
        namespace: String? = nil,
        expirationTime: CachedFunctionExpiration? = nil,
        policy: CreationPolicy? = nil,
        shouldCache: (@Sendable (Value) -> Bool)? = nil,
        tags: (@Sendable (Argument) -> [String])? = nil,
        keyGenerator: FunctionKeyGenerator? = nil,
        fileID: String = #fileID,
        line: Int = #line,
        column: Int = #column,
        _ function: @escaping @Sendable ([Argument]) async throws -> [Argument: Value]
    ) -> CachedMultiFunction<Argument, Value, [Argument: Value]> {
        makeMultiFunction(
            name: name, namespace: namespace, expirationTime: expirationTime, policy: policy, shouldCache: shouldCache,
            tags: tags, keyGenerator: keyGenerator, location: "\(fileID):\(line):\(column)", module: Self.module(of: fileID),
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
        policy: CreationPolicy?,
        shouldCache: (@Sendable (Value) -> Bool)?,
        tags: (@Sendable (Argument) -> [String])?,
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
            policy: policy,
            shouldCache: shouldCache,
            tags: tags,
            collision: registerFunction(
                identity,
                FunctionRegistration(location: location, multi: true, signature: "(\(Argument.self)) -> \(Value.self)")
            ),
            omitsMissing: omitsMissing,
            create: create,
            assemble: assemble
        )
    }
}
