/// The arguments a backend factory receives from `configure(fromConfig:prefix:)`: the
/// `<prefix>arguments.*` entries, names stripped of that prefix, values coerced.
///
/// The typed accessors throw `invalidConfiguration` naming the full configuration key, so a user sees
/// which line of their configuration is wrong.
public struct BackendArguments: Sendable {
    /// Every argument, by name, coerced.
    public let values: [String: CacheConfigValue]
    /// Every argument as written (trimmed), by name.
    public let texts: [String: String]
    /// What the argument names stood behind in the configuration, such as `cache.arguments.`.
    public let keyPrefix: String

    /// Creates arguments from their texts, coercing each, for factories called directly.
    public init(texts: [String: String] = [:], keyPrefix: String = "arguments.") {
        self.texts = texts.mapValues { String($0.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed()) }
        self.values = texts.mapValues(CacheConfigValue.init(coercing:))
        self.keyPrefix = keyPrefix
    }

    /// The argument as written (trimmed), or `nil` when absent or `None`: `"0123"` stays `"0123"`.
    public func string(_ name: String) -> String? {
        values[name] == .null ? nil : texts[name]
    }

    /// The argument as a whole number, or `nil` when absent or `None`.
    public func integer(_ name: String) throws -> Int? {
        switch values[name] {
        case nil, .null?: return nil
        case .some(.integer(let integer)): return integer
        case .some(let other): throw invalid(name, other, "a whole number")
        }
    }

    /// The argument as a number, or `nil` when absent or `None`.
    public func decimal(_ name: String) throws -> Double? {
        switch values[name] {
        case nil, .null?: return nil
        case .some(.integer(let integer)): return Double(integer)
        case .some(.decimal(let decimal)): return decimal
        case .some(let other): throw invalid(name, other, "a number")
        }
    }

    /// The argument as `true` or `false`, or `nil` when absent or `None`.
    public func boolean(_ name: String) throws -> Bool? {
        switch values[name] {
        case nil, .null?: return nil
        case .some(.boolean(let boolean)): return boolean
        case .some(let other): throw invalid(name, other, "true or false")
        }
    }

    private func invalid(_ name: String, _ value: CacheConfigValue, _ expected: String) -> CacheError {
        CacheError(.invalidConfiguration, "'\(keyPrefix)\(name)' must be \(expected), got '\(value)'")
    }
}
