import Configuration
import DogpileCache

/// A swift-configuration `ConfigReader` as the source of configuration by name: environment
/// variables, JSON or YAML files, in-memory providers, or any provider stack.
///
/// Names are read under `prefix` with the reader's own key rules: the key `cache.users.backend`
/// is `"backend"` in the object `cache.users` of a JSON or YAML file, and the environment
/// variable `CACHE_USERS_BACKEND`. A value of another kind than asked (text where a number is
/// needed, `1.5` for a whole number) throws `invalidConfiguration` naming its key; a text asked for
/// may be written as a number or a boolean too. A reader cannot list its keys, so names no one reads
/// are not reported.
public struct ConfigReaderSource: CacheConfigSource {
    /// The reader the values come from.
    public let reader: ConfigReader
    /// The key components the names stand behind, such as `["cache", "users"]`.
    public let prefix: [String]

    /// A source reading `reader` under `prefix` (dot-separated: `"cache.users"`; empty for none).
    public init(_ reader: ConfigReader, prefix: String = "") {
        self.init(reader, components: prefix.split(separator: ".").map(String.init))
    }

    private init(_ reader: ConfigReader, components: [String]) {
        self.reader = reader
        self.prefix = components
    }

    private func configKey(_ name: String) -> ConfigKey {
        ConfigKey(prefix + name.split(separator: ".").map(String.init))
    }

    /// The dot-separated key of `name`: `cache.users.expiration_time`.
    public func key(_ name: String) -> String {
        (prefix + [name]).joined(separator: ".")
    }

    /// `nil`: a reader cannot list its keys.
    public var names: [String]? { nil }

    /// The source of the names under `name`.
    public func scoped(to name: String) -> any CacheConfigSource {
        ConfigReaderSource(reader, components: prefix + name.split(separator: ".").map(String.init))
    }

    /// The value of `name` as text; a number or boolean is written out.
    public func string(_ name: String) throws -> String? {
        try text(of: name)
    }

    /// The value of `name` as a whole number.
    public func integer(_ name: String) throws -> Int? {
        if let value = reader.int(forKey: configKey(name)) {
            return value
        }
        return try absent(name, "a whole number")
    }

    /// The value of `name` as a number, whole or not.
    public func decimal(_ name: String) throws -> Double? {
        let key = configKey(name)
        if let value = reader.double(forKey: key) {
            return value
        }
        // Some providers (in-memory ones) keep whole numbers apart from decimal ones.
        if let value = reader.int(forKey: key) {
            return Double(value)
        }
        return try absent(name, "a number")
    }

    /// The value of `name` as `true` or `false`.
    public func boolean(_ name: String) throws -> Bool? {
        if let value = reader.bool(forKey: configKey(name)) {
            return value
        }
        return try absent(name, "true or false")
    }

    /// The value of `name` in whatever kind the reader holds it, written out, or `nil` when absent.
    private func text(of name: String) throws -> String? {
        let key = configKey(name)
        if let text = reader.string(forKey: key) { return text }
        if let integer = reader.int(forKey: key) { return String(integer) }
        if let decimal = reader.double(forKey: key) { return String(decimal) }
        if let boolean = reader.bool(forKey: key) { return String(boolean) }
        return nil
    }

    /// `nil` when `name` is absent; when it is present but was not `expected`, the error naming it.
    private func absent<Value>(_ name: String, _ expected: String) throws -> Value? {
        guard let text = try text(of: name) else { return nil }
        throw invalid(name, text, expected)
    }
}

extension CacheRegion {
    /// Configures the region from a swift-configuration `ConfigReader`, reading the keys of
    /// ``DogpileCache/CacheRegion/configure(from:)`` under `prefix`:
    ///
    /// ```swift
    /// // CACHE_USERS_BACKEND=memory CACHE_USERS_EXPIRATION_TIME=300 CACHE_USERS_ARGUMENTS_MAX_ENTRIES=10000
    /// let config = ConfigReader(provider: EnvironmentVariablesProvider())
    /// try await users.configure(from: config, prefix: "cache.users")
    /// ```
    ///
    /// - Throws: `invalidConfiguration` naming the key whose value cannot be used, `backendNotFound`,
    ///   `regionAlreadyConfigured`.
    public func configure(from reader: ConfigReader, prefix: String) throws {
        try configure(from: ConfigReaderSource(reader, prefix: prefix))
    }
}

extension BackendArguments {
    /// The arguments under `prefix` in `reader`, for a backend configured in code from a reader:
    /// `MemcachedBackend.Configuration(arguments: BackendArguments(config, prefix: "memcached"))`.
    public init(_ reader: ConfigReader, prefix: String = "") {
        self.init(source: ConfigReaderSource(reader, prefix: prefix))
    }
}
