/// The bytes a region writes to a byte-storing backend for one value: a 21-byte header, then the
/// payload. Documented in <doc:ValueRecords>; a change to this layout is a new format version.
///
/// | bytes | field |
/// |---|---|
/// | 0-2 | magic `DPC` (`44 50 43`) |
/// | 3 | format version, `1` |
/// | 4 | payload encoding: `0` serializer, `1` raw bytes (`[UInt8]`), `2` UTF-8 text (`String`) |
/// | 5-12 | creation time: the bits of an IEEE 754 `Double`, big-endian |
/// | 13-16 | payload length, `UInt32` big-endian |
/// | 17-20 | CRC-32 (IEEE) of bytes 0-16 and the payload, big-endian |
/// | 21- | payload |
package struct ValueRecord: Equatable, Sendable {
    /// How the payload bytes encode the value.
    enum Encoding: UInt8, Sendable {
        case serializer = 0
        case rawBytes = 1
        case utf8Text = 2
    }

    static let magic: [UInt8] = Array("DPC".utf8)
    static let formatVersion: UInt8 = 1
    static let headerSize = 21

    var encoding: Encoding
    var creationTime: Double
    var payload: [UInt8]

    /// The record's bytes.
    var bytes: [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + payload.count)
        bytes.append(Self.formatVersion)
        bytes.append(encoding.rawValue)
        bytes.append(contentsOf: Self.bigEndian(creationTime.bitPattern))
        bytes.append(contentsOf: Self.bigEndian(UInt32(payload.count)))
        bytes.append(contentsOf: Self.bigEndian(CRC32.checksum(bytes + payload)))
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Reads a record, or `nil` when the bytes are not one of this format version: another magic or
    /// version, an unknown encoding, a length that does not match, or a checksum that fails (any
    /// change to the header or the payload).
    init?(bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize, Array(bytes[0..<3]) == Self.magic, bytes[3] == Self.formatVersion,
            let encoding = Encoding(rawValue: bytes[4])
        else { return nil }
        let length = Int(Self.integer(bytes[13..<17], as: UInt32.self))
        guard bytes.count - Self.headerSize == length else { return nil }
        let payload = Array(bytes[Self.headerSize...])
        guard CRC32.checksum(Array(bytes[0..<17]) + payload) == Self.integer(bytes[17..<21], as: UInt32.self) else {
            return nil
        }
        let creationTime = Double(bitPattern: Self.integer(bytes[5..<13], as: UInt64.self))
        guard creationTime.isFinite else { return nil }
        self.init(encoding: encoding, creationTime: creationTime, payload: payload)
    }

    /// The creation time in the header of a record, read without checking the rest of it, or `nil`
    /// when `bytes` do not start with a header of this format version. Byte-storing backends use it
    /// to fill in ``CachedValue/creationTime`` of what they read.
    package static func headerCreationTime(_ bytes: [UInt8]) -> Double? {
        guard bytes.count >= headerSize, bytes[0..<3].elementsEqual(magic), bytes[3] == formatVersion else { return nil }
        return Double(bitPattern: integer(bytes[5..<13], as: UInt64.self))
    }

    init(encoding: Encoding, creationTime: Double, payload: [UInt8]) {
        self.encoding = encoding
        self.creationTime = creationTime
        self.payload = payload
    }

    private static func bigEndian<Integer: FixedWidthInteger>(_ value: Integer) -> [UInt8] {
        (0..<Integer.bitWidth / 8).reversed().map { UInt8(truncatingIfNeeded: value >> ($0 * 8)) }
    }

    private static func integer<Integer: FixedWidthInteger>(_ bytes: ArraySlice<UInt8>, as type: Integer.Type) -> Integer {
        bytes.reduce(0) { $0 << 8 | Integer($1) }
    }
}

/// CRC-32 (IEEE 802.3, as zlib and PNG compute it).
enum CRC32 {
    private static let table: [UInt32] = (0..<256).map { index in
        (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        ~bytes.reduce(~UInt32(0)) { crc, byte in table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
    }
}

extension ValueRecord {
    /// The record of `value`: raw bytes and text as they are, anything else through `serializer`.
    ///
    /// - Throws: `serializationFailed` when the serializer cannot encode the value.
    init<Value: Sendable>(value: Value, creationTime: Double, serializer: any CacheSerializer) throws {
        try self.init(unchecked: value, creationTime: creationTime, serializer: serializer)
        guard payload.count <= Int(UInt32.max) else {
            throw CacheError(.valueTooLarge, "a value record holds at most 4 GiB, \(Value.self) encodes to \(payload.count) bytes")
        }
    }

    private init<Value: Sendable>(unchecked value: Value, creationTime: Double, serializer: any CacheSerializer) throws {
        switch value {
        case let bytes as [UInt8]:
            self.init(encoding: .rawBytes, creationTime: creationTime, payload: bytes)
        case let text as String:
            self.init(encoding: .utf8Text, creationTime: creationTime, payload: Array(text.utf8))
        default:
            do {
                self.init(encoding: .serializer, creationTime: creationTime, payload: try serializer.encode(value))
            } catch let error as CacheError where error.code == .serializationFailed {
                throw error
            } catch {
                throw CacheError(.serializationFailed, "\(Value.self) could not be encoded", cause: error)
            }
        }
    }
}
