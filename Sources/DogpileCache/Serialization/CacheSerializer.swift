#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Turns values into bytes and back, for backends that store bytes (memcached, ``BytesMemoryBackend``).
///
/// The region calls the serializer only for values that are not raw bytes: `[UInt8]` and `String`
/// payloads are stored as they are (see <doc:ValueRecords>). A value the serializer cannot encode
/// fails the call with `serializationFailed`; bytes it cannot decode as the requested type are a miss.
public protocol CacheSerializer: Sendable {
    /// The bytes of `value`.
    func encode<Value: Sendable>(_ value: Value) throws -> [UInt8]
    /// The value of type `Value` that `bytes` hold.
    func decode<Value: Sendable>(_ bytes: [UInt8], as type: Value.Type) throws -> Value
}

/// The default serializer: JSON through `Codable`.
public struct JSONCacheSerializer: CacheSerializer {
    /// Creates the JSON serializer.
    public init() {}

    /// The JSON of `value`, which must be `Codable`: a value that could be written but never read back
    /// would be a miss forever.
    public func encode<Value: Sendable>(_ value: Value) throws -> [UInt8] {
        guard let encodable = value as? any Encodable, type(of: value as Any) is any Decodable.Type else {
            throw CacheError(.serializationFailed, "\(type(of: value as Any)) is not Codable; the JSON serializer needs Codable values")
        }
        return Array(try JSONEncoder().encode(encodable))
    }

    /// The `Value` decoded from JSON; `Value` must be `Decodable`.
    public func decode<Value: Sendable>(_ bytes: [UInt8], as type: Value.Type) throws -> Value {
        guard let decodable = Value.self as? any Decodable.Type else {
            throw CacheError(.serializationFailed, "\(Value.self) is not Decodable; the JSON serializer needs Codable values")
        }
        guard let value = try JSONDecoder().decode(decodable, from: Data(bytes)) as? Value else {
            throw CacheError(.serializationFailed, "decoded JSON is not a \(Value.self)")
        }
        return value
    }
}
