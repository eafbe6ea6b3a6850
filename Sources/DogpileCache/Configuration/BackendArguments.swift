/// The arguments a backend factory receives when a region is configured by name: the
/// `<prefix>arguments.*` keys of a flat configuration or of a `ConfigReader`, read by name.
///
/// The typed accessors throw `invalidConfiguration` naming the full configuration key (``key(_:)``),
/// so a user sees which line of their configuration is wrong.
public struct BackendArguments: Sendable {
    /// Where the arguments are read.
    public let source: any CacheConfigSource

    /// Arguments read from `source`.
    public init(source: any CacheConfigSource) {
        self.source = source
    }

    /// Arguments from their texts, coerced as a flat configuration's are, for factories called
    /// directly.
    ///
    /// - Parameters:
    ///   - texts: The arguments, by name.
    ///   - keyPrefix: What the names stand behind in errors, such as `cache.arguments.`.
    public init(texts: [String: String] = [:], keyPrefix: String = "arguments.") {
        self.init(source: FlatCacheConfigSource(texts: Dictionary(uniqueKeysWithValues: texts.map { (keyPrefix + $0.key, $0.value) }), prefix: keyPrefix))
    }

    /// How the argument `name` is written in the configuration, for errors.
    public func key(_ name: String) -> String {
        source.key(name)
    }

    /// The names of the arguments given, when the source can list them (a `ConfigReader` cannot),
    /// so that a factory can reject names it does not read.
    public var names: [String]? {
        source.names
    }

    /// The argument as text (a flat configuration's as written, trimmed: `"0123"` stays `"0123"`),
    /// or `nil` when absent or `None`.
    public func string(_ name: String) throws -> String? {
        try source.string(name)
    }

    /// The argument as a whole number, or `nil` when absent or `None`.
    public func integer(_ name: String) throws -> Int? {
        try source.integer(name)
    }

    /// The argument as a number, or `nil` when absent or `None`.
    public func decimal(_ name: String) throws -> Double? {
        try source.decimal(name)
    }

    /// The argument as `true` or `false`, or `nil` when absent or `None`.
    public func boolean(_ name: String) throws -> Bool? {
        try source.boolean(name)
    }

    /// The `invalidConfiguration` error for the argument `name`, `value`, which is not `expected`.
    public func invalid(_ name: String, _ value: some CustomStringConvertible, _ expected: String) -> CacheError {
        source.invalid(name, value, expected)
    }
}
