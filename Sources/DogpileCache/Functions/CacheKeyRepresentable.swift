#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A value that can stand in a cache key as an argument of a cached function.
///
/// The key text must identify the value: two values that are not equal must not have the same text.
/// The wrapper escapes spaces, `|` and `\` in it, so any text is safe. Conformances ship for strings,
/// integers, floating point, `Bool`, `UUID` and `Optional`; raw-representable types get one by
/// declaring it:
///
/// ```swift
/// enum Plan: String, CacheKeyRepresentable { case free, pro }
/// ```
public protocol CacheKeyRepresentable: Sendable {
    /// The text this value contributes to a cache key.
    var cacheKey: String { get }

    /// Appends this value's part of a default key to `key`: ``cacheKey`` with `\`, space and `|`
    /// escaped. Override it only to write the same text faster.
    func appendCacheKey(to key: inout String)
}

extension CacheKeyRepresentable {
    /// Appends ``cacheKey``, escaped.
    @inlinable
    public func appendCacheKey(to key: inout String) {
        FunctionKeyGenerator.appendEscaped(cacheKey, to: &key)
    }
}

extension BinaryInteger where Self: CacheKeyRepresentable {
    /// The decimal form.
    public var cacheKey: String { String(self) }

    /// Appends the decimal form, which never needs escaping.
    @inlinable
    public func appendCacheKey(to key: inout String) {
        key += cacheKey
    }
}

extension CacheKeyRepresentable where Self: RawRepresentable, RawValue: CacheKeyRepresentable {
    /// The raw value's key text.
    public var cacheKey: String { rawValue.cacheKey }
}

extension String: CacheKeyRepresentable {
    /// The string itself.
    public var cacheKey: String { self }
}

extension Substring: CacheKeyRepresentable {
    /// The substring's text.
    public var cacheKey: String { String(self) }
}

extension Bool: CacheKeyRepresentable {
    /// `true` or `false`.
    public var cacheKey: String { self ? "true" : "false" }
}

extension Int: CacheKeyRepresentable {}
extension Int8: CacheKeyRepresentable {}
extension Int16: CacheKeyRepresentable {}
extension Int32: CacheKeyRepresentable {}
extension Int64: CacheKeyRepresentable {}
extension UInt: CacheKeyRepresentable {}
extension UInt8: CacheKeyRepresentable {}
extension UInt16: CacheKeyRepresentable {}
extension UInt32: CacheKeyRepresentable {}
extension UInt64: CacheKeyRepresentable {}


extension Double: CacheKeyRepresentable {
    /// The shortest form that reads back as the same value (`1.5`, `1e-05`, `nan`).
    public var cacheKey: String { description }
}

extension Float: CacheKeyRepresentable {
    /// The shortest form that reads back as the same value.
    public var cacheKey: String { description }
}

extension UUID: CacheKeyRepresentable {
    /// The upper-case hyphenated form.
    public var cacheKey: String { uuidString }
}

extension Optional: CacheKeyRepresentable where Wrapped: CacheKeyRepresentable {
    /// The wrapped value's text, or `\N` for `nil`. This raw text cannot tell `nil` from the string
    /// `"\N"`; the parts ``appendCacheKey(to:)`` writes, which key builders use, can.
    public var cacheKey: String {
        switch self {
        case .some(let wrapped): wrapped.cacheKey
        case .none: FunctionKeyGenerator.nilArgument
        }
    }

    /// Appends `\N` for `nil`, which no escaped text can be, else the wrapped value's part; a wrapped
    /// value that is itself optional is marked with `\S`, so `.some(nil)` differs from `nil`.
    @inlinable
    public func appendCacheKey(to key: inout String) {
        switch self {
        case .some(let wrapped):
            if Wrapped.self is any OptionalMarker.Type {
                key += "\\S"
            }
            wrapped.appendCacheKey(to: &key)
        case .none:
            key += FunctionKeyGenerator.nilArgument
        }
    }
}

/// Lets ``Optional/appendCacheKey(to:)`` tell an optional wrapped in an optional.
@usableFromInline
protocol OptionalMarker {}

extension Optional: OptionalMarker {}

