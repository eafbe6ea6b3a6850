/// Which cached function a key is for: the parts of its keys that do not depend on the arguments.
public struct CachedFunctionIdentity: Sendable, Hashable, CustomStringConvertible {
    /// The module that made the wrapper (from `#fileID`).
    public var module: String
    /// The function's name: the `name:` given to the wrapper.
    public var name: String
    /// The wrapper's namespace, if any.
    public var namespace: String?

    /// Creates an identity.
    public init(module: String, name: String, namespace: String? = nil) {
        self.module = module
        self.name = name
        self.namespace = namespace
    }

    /// `module:name`, followed by `|namespace` when there is one.
    public var description: String {
        namespace.map { "\(module):\(name)|\($0)" } ?? "\(module):\(name)"
    }
}

/// Builds the cache key of one call of a cached function from the function's identity and the key
/// texts of its arguments (dogpile's `function_key_generator`).
///
/// The default builds `module:name|arg1 arg2`, or `module:name|namespace|arg1 arg2` with a namespace,
/// escaping `\`, space and `|` in every part with a backslash, so that no two different calls share a
/// key: `f("a b")` is `m:f|a\ b`, `f("a", "b")` is `m:f|a b`, and a `nil` argument is `\N`. Give a
/// region (`functionKeyGenerator:`) or one wrapper (`keyGenerator:`) another generator to change it;
/// a custom generator is responsible for keeping keys distinct.
public struct FunctionKeyGenerator: Sendable {
    @usableFromInline let generate: (@Sendable (CachedFunctionIdentity, [String]) -> String)?

    /// Creates a generator from a function of the identity and the arguments' parts, each as in a
    /// default key: its text with `\`, space and `|` escaped by a backslash, or `\N` for `nil`. Distinct
    /// arguments have distinct parts; keeping whole keys distinct is the generator's job.
    public init(_ generate: @escaping @Sendable (_ function: CachedFunctionIdentity, _ arguments: [String]) -> String) {
        self.generate = generate
    }

    private init() {
        generate = nil
    }

    /// dogpile's format, escaped: `module:name|[namespace|]arg1 arg2`.
    public static let `default` = FunctionKeyGenerator()

    /// The key of a call with `arguments`.
    public func key<each Argument: CacheKeyRepresentable>(
        for function: CachedFunctionIdentity,
        arguments argument: repeat each Argument
    ) -> String {
        if let generate {
            var texts: [String] = []
            for argument in repeat each argument {
                texts.append(Self.escapedText(of: argument))
            }
            return generate(function, texts)
        }
        return Self.defaultKey(prefix: Self.defaultPrefix(for: function), arguments: repeat each argument)
    }

    /// A default key: `prefix` (from ``defaultPrefix(for:)``) and the escaped arguments, space-separated.
    @inlinable
    static func defaultKey<each Argument: CacheKeyRepresentable>(prefix: String, arguments argument: repeat each Argument) -> String {
        // The arguments first, in a string that stays inline (no allocation) while short; then the key
        // in one allocation.
        var arguments = ""
        var first = true
        for argument in repeat each argument {
            if !first { arguments += " " }
            first = false
            argument.appendCacheKey(to: &arguments)
        }
        return concatenate(prefix, arguments)
    }

    /// `first` followed by `second`, allocated once.
    @usableFromInline
    static func concatenate(_ first: String, _ second: String) -> String {
        var first = first
        var second = second
        let firstCount = first.utf8.count
        let secondCount = second.utf8.count
        return first.withUTF8 { firstBytes in
            second.withUTF8 { secondBytes in
                String(unsafeUninitializedCapacity: firstCount + secondCount) { buffer in
                    _ = buffer.initialize(fromContentsOf: firstBytes)
                    _ = buffer[firstCount...].initialize(fromContentsOf: secondBytes)
                    return firstCount + secondCount
                }
            }
        }
    }

    /// An argument's part of a default key: its text escaped, or `\N` for `nil`.
    @inlinable
    static func escapedText(of argument: some CacheKeyRepresentable) -> String {
        var text = ""
        argument.appendCacheKey(to: &text)
        return text
    }

    /// The key text of a `nil` argument: an escaped text has `\\` where it has a backslash, never a lone
    /// `\` before `N`.
    @usableFromInline static let nilArgument = "\\N"

    /// `module:name|` or `module:name|namespace|`, escaped.
    static func defaultPrefix(for function: CachedFunctionIdentity) -> String {
        var prefix = ""
        appendEscaped(function.module, to: &prefix)
        prefix += ":"
        appendEscaped(function.name, to: &prefix)
        prefix += "|"
        if let namespace = function.namespace {
            appendEscaped(namespace, to: &prefix)
            prefix += "|"
        }
        return prefix
    }

    /// Appends `text` with `\`, space and `|` escaped by a backslash, as default keys hold every part.
    public static func appendEscaped(_ text: String, to key: inout String) {
        if !text.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "|") }) {
            key += text
            return
        }
        for character in text.unicodeScalars {
            if character == "\\" || character == " " || character == "|" {
                key.unicodeScalars.append("\\")
            }
            key.unicodeScalars.append(character)
        }
    }
}
