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
            collision: registerFunction(identity, at: "\(fileID):\(line)"),
            function: function
        )
    }

    /// Records where the wrapper of `identity` was made; returns a `keyCollision` error when another
    /// place in the code made one with the same identity.
    nonisolated func registerFunction(_ identity: CachedFunctionIdentity, at location: String) -> CacheError? {
        let existing = functionLocations.withLock { locations in
            if let existing = locations[identity] { return existing }
            locations[identity] = location
            return location
        }
        guard existing != location else { return nil }
        return CacheError(
            .keyCollision,
            "the cached functions made at \(existing) and \(location) both have the identity '\(identity)' and would share keys; give one of them a name: or a namespace:"
        )
    }

    /// The module part of a `#fileID` (`Module/File.swift`).
    static func module(of fileID: String) -> String {
        String(fileID.prefix { $0 != "/" })
    }
}
