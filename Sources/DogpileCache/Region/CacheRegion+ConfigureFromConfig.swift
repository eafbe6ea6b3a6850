/// Configuration by name (dogpile's `configure_from_config`).
extension CacheRegion {
    /// Configures the region from a flat configuration, such as one read from a file or the
    /// environment: the keys of ``configure(from:)``, each under `prefix`.
    ///
    /// Values are coerced as dogpile coerces them: whole numbers, decimals, `true`/`false` in any
    /// case, exactly `None` (no value); anything else is text. Other keys are ignored, and `config`
    /// is not changed.
    ///
    /// ```swift
    /// try await region.configure(fromConfig: [
    ///     "cache.users.backend": "memory",
    ///     "cache.users.expiration_time": "300",
    ///     "cache.users.arguments.max_entries": "10000",
    /// ], prefix: "cache.users.")
    /// ```
    ///
    /// - Throws: `invalidConfiguration` naming the key whose value cannot be used, `backendNotFound`,
    ///   `regionAlreadyConfigured`.
    public func configure(fromConfig config: [String: String], prefix: String) throws {
        try configure(from: FlatCacheConfigSource(texts: config.filter { $0.key.hasPrefix(prefix) }, prefix: prefix))
    }

    /// Configures the region by name from `source`, which reads these keys (see
    /// <doc:ConfigurationByName> for every key of the built-in backends):
    ///
    /// - `backend` (text, required): a name given to ``registerBackend(name:factory:)``, or
    ///   `memory` or `null` (and `memcached` once `MemcachedBackend.registerBackend()` ran).
    /// - `expiration_time` (seconds, default: never): how long values stay fresh.
    /// - `background_refresh` (`true`/`false`, default `false`): see
    ///   ``configure(backend:expirationTime:wrap:replaceExistingBackend:invalidationStrategy:backgroundRefresh:backendErrors:serializer:policy:localCache:localExpirationTime:invalidationCheckInterval:)``.
    /// - `backend_errors` (`fail_open` or `propagate`, default `fail_open`): the ``BackendErrorPolicy``.
    /// - `replace_existing_backend` (`true`/`false`, default `false`): must be `true` to configure an
    ///   already configured region.
    /// - `arguments.<name>`: passed to the backend's factory as `<name>`.
    ///
    /// - Throws: `invalidConfiguration` naming the key whose value cannot be used, `backendNotFound`,
    ///   `regionAlreadyConfigured`.
    public func configure(from source: any CacheConfigSource) throws {
        guard let name = try source.string("backend") else {
            throw CacheError(.invalidConfiguration, "the configuration has no '\(source.key("backend"))'")
        }
        let expiration: CacheExpiration
        switch try source.decimal("expiration_time") {
        case nil:
            expiration = .never
        case let seconds? where seconds >= 0 && seconds.isFinite:
            expiration = .seconds(seconds)
        case let other?:
            throw source.invalid("expiration_time", other, "a non-negative number of seconds or None")
        }
        let backendErrors: BackendErrorPolicy
        switch try source.string("backend_errors") {
        case nil, "fail_open": backendErrors = .failOpen
        case "propagate": backendErrors = .propagate
        case let other?: throw source.invalid("backend_errors", other, "fail_open or propagate")
        }
        let backgroundRefresh = try source.boolean("background_refresh") ?? false
        let replace = try source.boolean("replace_existing_backend") ?? false
        if isConfigured, !replace {
            throw CacheError(
                .regionAlreadyConfigured,
                "region '\(self.name)' is already configured; set '\(source.key("replace_existing_backend"))' to true to replace it"
            )
        }
        let backend = try BackendRegistry.shared.makeBackend(named: name, arguments: BackendArguments(source: source.scoped(to: "arguments")))
        try configure(
            backend: backend, expirationTime: expiration, replaceExistingBackend: replace, backgroundRefresh: backgroundRefresh,
            backendErrors: backendErrors
        )
    }
}
