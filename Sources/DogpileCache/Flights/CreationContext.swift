/// What a creator decides about the value it makes, besides the value itself: passed `inout` to a
/// creator that takes it (``CacheRegion/getOrCreate(_:as:expirationTime:policy:shouldCache:tags:logger:creator:)-(_,_,_,_,_,_,_,(CreationContext)->Value)``).
///
/// ```swift
/// let page: Page = try await region.getOrCreate("page:/home") { (context: inout CreationContext) in
///     let page = try await fetchPage("/home")
///     context.expirationTime = .seconds(page.maxAge)  // stored with the value
///     context.shouldCache = page.isCacheable
///     return page
/// }
/// ```
public struct CreationContext: Sendable {
    /// The key being created, as the caller gave it.
    public let key: String
    /// The value's own expiration, which replaces the call's and the region's for this value. It is
    /// stored with the value (in the value record of a byte-storing backend), so every process that
    /// reads the value judges it by the same lifetime. `nil`, the default, keeps the call's.
    public var expirationTime: CacheExpiration?
    /// Whether to store the value; `false` returns it to the callers of this creation without storing
    /// it, and the value stored before, if any, stays. Default `true`.
    public var shouldCache = true
    /// The value's tags, stored with it: ``CacheRegion/invalidate(tag:hard:)`` reaches every value
    /// carrying the tag. Empty, the default, for none.
    public var tags: [String] = []

    /// A context for creating `key`, with nothing decided yet.
    public init(key: String) {
        self.key = key
    }
}
