/// Configuration by name from a flat dictionary (dogpile's `configure_from_config`).
extension CacheRegion {
    /// Configures the region from a flat configuration, such as one read from a file or the
    /// environment.
    ///
    /// Reads `<prefix>backend` (required: a name given to ``registerBackend(name:factory:)``, or
    /// `memory` or `null`), `<prefix>expiration_time` (seconds, or `None` for never),
    /// `<prefix>replace_existing_backend` (`true`/`false`) and every `<prefix>arguments.<name>`, passed
    /// to the backend's factory as `<name>`. Values are coerced as dogpile coerces them: whole numbers,
    /// decimals, `true`/`false` in any case, exactly `None`; anything else is text. Other keys are
    /// ignored, and `config` is not changed.
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
        func value(_ name: String) -> CacheConfigValue? {
            config[prefix + name].map(CacheConfigValue.init(coercing:))
        }
        guard let backendName = value("backend") else {
            throw CacheError(.invalidConfiguration, "the configuration has no '\(prefix)backend'")
        }
        guard case .string(let name) = backendName else {
            throw CacheError(.invalidConfiguration, "'\(prefix)backend' must name a backend, got '\(backendName)'")
        }
        let expiration: CacheExpiration
        switch value("expiration_time") {
        case nil, .null?:
            expiration = .never
        case .integer(let seconds)? where seconds >= 0:
            expiration = .seconds(Double(seconds))
        case .decimal(let seconds)? where seconds >= 0 && seconds.isFinite:
            expiration = .seconds(seconds)
        case let other?:
            throw CacheError(
                .invalidConfiguration, "'\(prefix)expiration_time' must be a non-negative number of seconds or None, got '\(other)'"
            )
        }
        let replace: Bool
        switch value("replace_existing_backend") {
        case nil, .null?:
            replace = false
        case .boolean(let flag)?:
            replace = flag
        case let other?:
            throw CacheError(.invalidConfiguration, "'\(prefix)replace_existing_backend' must be true or false, got '\(other)'")
        }
        if isConfigured, !replace {
            throw CacheError(
                .regionAlreadyConfigured,
                "region '\(self.name)' is already configured; set '\(prefix)replace_existing_backend' to true to replace it"
            )
        }
        let argumentPrefix = prefix + "arguments."
        var arguments: [String: String] = [:]
        for (key, text) in config where key.hasPrefix(argumentPrefix) {
            arguments[String(key.dropFirst(argumentPrefix.count))] = text
        }
        let backend = try BackendRegistry.shared.makeBackend(
            named: name, arguments: BackendArguments(texts: arguments, keyPrefix: argumentPrefix)
        )
        try configure(backend: backend, expirationTime: expiration, replaceExistingBackend: replace)
    }
}
