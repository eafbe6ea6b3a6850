/// Where configuration by name reads its values: a flat dictionary of texts
/// (``CacheRegion/configure(fromConfig:prefix:)``, dogpile.cache's way) or, through the
/// `DogpileConfiguration` module, a swift-configuration `ConfigReader` (environment variables, JSON
/// and YAML files, in-memory providers). Region settings and backend factories read their keys
/// through it, so every source takes the same keys.
///
/// A value given but not of the kind asked for throws `invalidConfiguration` naming its key
/// (``key(_:)``); an absent value, or exactly `None` in a flat configuration, reads as `nil`.
public protocol CacheConfigSource: Sendable {
    /// How `name` is written in the configuration, for errors: `cache.users.arguments.max_entries`.
    func key(_ name: String) -> String
    /// The names this source holds, when it can list them (to reject names no one reads); `nil`
    /// when it cannot, as a `ConfigReader` cannot.
    var names: [String]? { get }
    /// The source of the names under `name`: `scoped(to: "arguments")` reads `arguments.<name>`.
    func scoped(to name: String) -> any CacheConfigSource
    /// The value of `name` as text.
    func string(_ name: String) throws -> String?
    /// The value of `name` as a whole number.
    func integer(_ name: String) throws -> Int?
    /// The value of `name` as a number.
    func decimal(_ name: String) throws -> Double?
    /// The value of `name` as `true` or `false`.
    func boolean(_ name: String) throws -> Bool?
}

extension CacheConfigSource {
    /// The `invalidConfiguration` error for the value of `name`, `value`, which is not `expected`.
    public func invalid(_ name: String, _ value: some CustomStringConvertible, _ expected: String) -> CacheError {
        CacheError(.invalidConfiguration, "'\(key(name))' must be \(expected), got '\(value)'")
    }
}

/// A flat configuration of texts under a key prefix, coerced as dogpile.cache's
/// `coerce_string_conf` does (``CacheConfigValue``).
struct FlatCacheConfigSource: CacheConfigSource {
    /// The texts, trimmed, by full key.
    private let texts: [String: String]
    /// What names stand behind in `texts`, such as `cache.users.`.
    private let prefix: String

    init(texts: [String: String], prefix: String) {
        self.texts = texts.mapValues { String($0.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()) }
        self.prefix = prefix
    }

    func key(_ name: String) -> String {
        prefix + name
    }

    var names: [String]? {
        texts.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    func scoped(to name: String) -> any CacheConfigSource {
        FlatCacheConfigSource(texts: texts.filter { $0.key.hasPrefix(prefix + name + ".") }, prefix: prefix + name + ".")
    }

    private func value(_ name: String) -> CacheConfigValue? {
        texts[key(name)].map(CacheConfigValue.init(coercing:))
    }

    /// The text as written (trimmed): `"0123"` stays `"0123"`.
    func string(_ name: String) -> String? {
        value(name) == .null ? nil : texts[key(name)]
    }

    func integer(_ name: String) throws -> Int? {
        switch value(name) {
        case nil, .null?: return nil
        case .integer(let integer)?: return integer
        case let other?: throw invalid(name, other, "a whole number")
        }
    }

    func decimal(_ name: String) throws -> Double? {
        switch value(name) {
        case nil, .null?: return nil
        case .integer(let integer)?: return Double(integer)
        case .decimal(let decimal)?: return decimal
        case let other?: throw invalid(name, other, "a number")
        }
    }

    func boolean(_ name: String) throws -> Bool? {
        switch value(name) {
        case nil, .null?: return nil
        case .boolean(let boolean)?: return boolean
        case let other?: throw invalid(name, other, "true or false")
        }
    }
}
