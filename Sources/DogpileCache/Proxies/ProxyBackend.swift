/// A backend that wraps another one and forwards every operation it does not override (dogpile's
/// `ProxyBackend`).
///
/// Write a proxy as a struct holding its own arguments and state plus the backend it forwards to
/// (class proxies are refused: a region sets `proxied` on its own copy),
/// override the operations it changes, and let the rest pass through:
///
/// ```swift
/// struct CountingSets: ProxyBackend {
///     var proxied: any AsyncCacheBackend = NullBackend()  // set when the proxy is wrapped around a backend
///     let sets: ManagedCounter
///
///     func set(_ key: String, _ value: CachedValue) async throws {
///         sets.increment()
///         try await proxied.set(key, value)
///     }
/// }
///
/// try await region.configure(backend: MemoryBackend(), wrap: [CountingSets(sets: counter)])
/// ```
///
/// `configure(wrap: [a, b])` makes `a` the outermost proxy: region → a → b → backend.
///
/// A region reads an in-process backend (``SynchronousCacheStorage``) without an async call, but only
/// through proxies that say, with ``passThrough``, that they leave those calls alone: Swift cannot
/// tell a proxy that overrides `get` from one that does not. The proxy above overrides only `set`,
/// so it could declare `var passThrough: ProxyPassThrough { .reads }` and keep its region's hits
/// synchronous.
public protocol ProxyBackend: AsyncCacheBackend {
    /// The backend (or next proxy) this proxy forwards to.
    var proxied: any AsyncCacheBackend { get set }

    /// The operations this proxy forwards unchanged, which a region may therefore send straight to
    /// an in-process backend beneath it: `.reads` when it overrides neither `get` nor `getMulti`,
    /// `.writes` when it overrides neither `set` nor `setMulti`. `[]` by default, so that every call
    /// reaches the proxy's own methods. Declaring an operation the proxy does change makes the region
    /// skip that change.
    var passThrough: ProxyPassThrough { get }
}

/// Operations a ``ProxyBackend`` forwards unchanged; see ``ProxyBackend/passThrough``.
public struct ProxyPassThrough: OptionSet, Sendable, Hashable {
    /// The raw bits.
    public let rawValue: Int

    /// Operations from raw bits.
    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    /// `get` and `getMulti`.
    public static let reads = ProxyPassThrough(rawValue: 1 << 0)
    /// `set` and `setMulti`.
    public static let writes = ProxyPassThrough(rawValue: 1 << 1)
}

extension ProxyBackend {
    /// None: every call reaches the proxy.
    public var passThrough: ProxyPassThrough { [] }

    /// This proxy in front of `backend`: a copy with ``proxied`` set to it.
    public func wrapping(_ backend: any AsyncCacheBackend) -> Self {
        var wrapped = self
        wrapped.proxied = backend
        return wrapped
    }

    /// Forwards to ``proxied``.
    public nonisolated(nonsending) func get(_ key: String) async throws -> CachedValue? {
        try await proxied.get(key)
    }

    /// Forwards to ``proxied``.
    public nonisolated(nonsending) func getMulti(_ keys: [String]) async throws -> [CachedValue?] {
        try await proxied.getMulti(keys)
    }

    /// Forwards to ``proxied``.
    public nonisolated(nonsending) func set(_ key: String, _ value: CachedValue) async throws {
        try await proxied.set(key, value)
    }

    /// Forwards to ``proxied``.
    public nonisolated(nonsending) func setMulti(_ entries: [(key: String, value: CachedValue)]) async throws {
        try await proxied.setMulti(entries)
    }

    /// Forwards to ``proxied``.
    public nonisolated(nonsending) func delete(_ key: String) async throws {
        try await proxied.delete(key)
    }

    /// Forwards to ``proxied``.
    public nonisolated(nonsending) func deleteMulti(_ keys: [String]) async throws {
        try await proxied.deleteMulti(keys)
    }

    /// Forwards to ``proxied``.
    public func mutex(for key: String) -> (any CacheMutex)? {
        proxied.mutex(for: key)
    }

    /// The mangler of ``proxied``.
    public var keyMangler: KeyMangler? { proxied.keyMangler }

    /// Whether ``proxied`` stores bytes.
    public var storesBytes: Bool { proxied.storesBytes }
}

/// The backend beneath every proxy of `backend`.
func innermostBackend(of backend: any AsyncCacheBackend) -> any AsyncCacheBackend {
    var current = backend
    while let proxy = current as? any ProxyBackend {
        current = proxy.proxied
    }
    return current
}

/// `backend` behind `proxies`, the first outermost.
///
/// - Throws: `invalidConfiguration` for a proxy that is a class: setting its `proxied` would change the
///   one shared instance, so two regions (or two wraps) would send their traffic through each other.
func wrap(_ backend: any AsyncCacheBackend, in proxies: [any ProxyBackend]) throws -> any AsyncCacheBackend {
    try proxies.reversed().reduce(backend) { inner, proxy in try wrap(inner, in: proxy) }
}

/// `backend` behind `proxy`; see ``wrap(_:in:)``.
func wrap(_ backend: any AsyncCacheBackend, in proxy: some ProxyBackend) throws -> any AsyncCacheBackend {
    guard !(type(of: proxy) is AnyObject.Type) else {
        throw CacheError(
            .invalidConfiguration,
            "proxy \(type(of: proxy)) is a class; write proxies as structs (keep shared state in a class they hold)"
        )
    }
    return proxy.wrapping(backend)
}
