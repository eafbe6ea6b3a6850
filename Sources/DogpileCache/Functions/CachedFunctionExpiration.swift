/// How long a cached function's values stay fresh: a fixed expiration, or one computed on every call
/// (dogpile's callable `expiration_time`, for "until midnight" and the like).
///
/// ```swift
/// region.cacheOnArguments(name: "prices", expirationTime: .minutes(5)) { … }
/// region.cacheOnArguments(name: "report", expirationTime: .computed { .seconds(secondsUntilMidnight()) }) { … }
/// ```
public struct CachedFunctionExpiration: Sendable {
    @usableFromInline let expiration: @Sendable () -> CacheExpiration

    private init(_ expiration: @escaping @Sendable () -> CacheExpiration) {
        self.expiration = expiration
    }

    /// A fixed expiration.
    public static func fixed(_ expiration: CacheExpiration) -> CachedFunctionExpiration {
        CachedFunctionExpiration { expiration }
    }

    /// An expiration computed on every call.
    public static func computed(_ expiration: @escaping @Sendable () -> CacheExpiration) -> CachedFunctionExpiration {
        CachedFunctionExpiration(expiration)
    }

    /// Values never expire.
    public static let never = fixed(.never)

    /// Values expire this many seconds after creation.
    public static func seconds(_ seconds: Double) -> CachedFunctionExpiration { fixed(.seconds(seconds)) }

    /// Values expire this many minutes after creation.
    public static func minutes(_ minutes: Double) -> CachedFunctionExpiration { fixed(.minutes(minutes)) }

    /// Values expire this many hours after creation.
    public static func hours(_ hours: Double) -> CachedFunctionExpiration { fixed(.hours(hours)) }

    /// Values expire after `duration`.
    public static func duration(_ duration: Duration) -> CachedFunctionExpiration { fixed(.duration(duration)) }
}
