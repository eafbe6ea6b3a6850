/// The bytes a region writes to a byte-storing backend for one value: a header, then the payload.
/// Documented in <doc:ValueRecords>; a change to this layout is a new format version.
///
/// Format version 2, which this release writes (all integers big-endian):
///
/// | bytes | field |
/// |---|---|
/// | 0-2 | magic `DPC` (`44 50 43`) |
/// | 3 | format version, `2` |
/// | 4 | payload encoding: `0` serializer, `1` raw bytes (`[UInt8]`), `2` UTF-8 text (`String`) |
/// | 5 | flags: bit 0 set when the value chose its own expiration; the other bits are 0 |
/// | 6-13 | creation time: the bits of an IEEE 754 `Double` |
/// | 14-21 | the value's own expiration in seconds (a `Double`; infinity for never), 0 without flag 0 |
/// | 22-29 | key check: FNV-1a (64-bit) of the backend key's UTF-8 bytes |
/// | 30-37 | type check: FNV-1a (64-bit) of the stored type's name (``typeName(of:)``) |
/// | 38-39 | tag count, `UInt16` |
/// | 40- | each tag: its UTF-8 length as a `UInt16`, then its bytes |
/// | next 4 | payload length, `UInt32` |
/// | next 4 | CRC-32 (IEEE) of every byte before it and the payload |
/// | then | payload |
///
/// Records of format version 1 (earlier releases) are not read: they carry no key or type check, so
/// nothing proves whose they are. A region reads them as misses and writes version 2 in their place.
package struct ValueRecord: Equatable, Sendable {
    /// How the payload bytes encode the value.
    enum Encoding: UInt8, Sendable {
        case serializer = 0
        case rawBytes = 1
        case utf8Text = 2
    }

    static let magic: [UInt8] = Array("DPC".utf8)
    /// The format version this release writes.
    static let formatVersion: UInt8 = 2
    /// The header of a record without tags, in bytes.
    static let headerSize = 48
    private static let hasExpirationFlag: UInt8 = 1

    var encoding: Encoding
    var creationTime: Double
    /// The expiration the value chose for itself, or `nil`.
    var expirationTime: CacheExpiration?
    /// ``keyCheck(of:)`` of the backend key the record was written under.
    var keyCheck: UInt64 = 0
    /// ``typeCheck(of:)`` of the type the value was stored as.
    var typeCheck: UInt64 = 0
    var tags: [String] = []
    var payload: [UInt8]

    init(encoding: Encoding, creationTime: Double, payload: [UInt8]) {
        self.encoding = encoding
        self.creationTime = creationTime
        self.payload = payload
    }

    /// The record's bytes, in format version 2.
    var bytes: [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + tags.reduce(0) { $0 + 2 + $1.utf8.count } + payload.count)
        bytes.append(Self.formatVersion)
        bytes.append(encoding.rawValue)
        bytes.append(expirationTime == nil ? 0 : Self.hasExpirationFlag)
        Self.append(creationTime.bitPattern, to: &bytes)
        Self.append((expirationTime.map { $0.seconds ?? .infinity } ?? 0).bitPattern, to: &bytes)
        Self.append(keyCheck, to: &bytes)
        Self.append(typeCheck, to: &bytes)
        Self.append(UInt16(tags.count), to: &bytes)
        for tag in tags {
            Self.append(UInt16(tag.utf8.count), to: &bytes)
            bytes.append(contentsOf: tag.utf8)
        }
        Self.append(UInt32(payload.count), to: &bytes)
        Self.append(CRC32.checksum(bytes[...], payload[...]), to: &bytes)
        bytes.append(contentsOf: payload)
        return bytes
    }

    /// Reads a record of format version 2, or `nil` when the bytes are not one: another magic or
    /// version, an unknown encoding or flag, a length that does not match, a tag that is not UTF-8,
    /// a creation time or expiration that is not a time, or a checksum that fails (any change to the
    /// header or the payload). Whose record it is, the reader checks (``keyCheck``, ``typeCheck``).
    init?(bytes: [UInt8]) {
        guard bytes.count >= 4, bytes[0..<3].elementsEqual(Self.magic), bytes[3] == Self.formatVersion else { return nil }
        var reader = ByteReader(bytes, from: 4)
        guard let encoding = reader.byte().flatMap(Encoding.init(rawValue:)),
            let flags = reader.byte(), flags & ~Self.hasExpirationFlag == 0,
            let creationTime = reader.integer(UInt64.self).map(Double.init(bitPattern:)), creationTime.isFinite,
            let expiration = reader.integer(UInt64.self).map(Double.init(bitPattern:)),
            let keyCheck = reader.integer(UInt64.self),
            let typeCheck = reader.integer(UInt64.self),
            let tagCount = reader.integer(UInt16.self)
        else { return nil }
        var tags: [String] = []
        for _ in 0..<tagCount {
            guard let length = reader.integer(UInt16.self), let tagBytes = reader.bytes(Int(length)),
                let tag = String(validating: tagBytes, as: UTF8.self)
            else { return nil }
            tags.append(tag)
        }
        let checked = reader.offset
        guard let length = reader.integer(UInt32.self), let checksum = reader.integer(UInt32.self),
            bytes.count - reader.offset == Int(length)
        else { return nil }
        guard CRC32.checksum(bytes[0..<(checked + 4)], bytes[reader.offset...]) == checksum else { return nil }
        let payload = Array(bytes[reader.offset...])
        self.init(encoding: encoding, creationTime: creationTime, payload: payload)
        if flags & Self.hasExpirationFlag != 0 {
            guard expiration >= 0, !expiration.isNaN else { return nil }
            expirationTime = expiration == .infinity ? .never : .seconds(expiration)
        }
        self.keyCheck = keyCheck
        self.typeCheck = typeCheck
        self.tags = tags
    }

    /// The creation time in the header of a record, read without checking the rest of it, or `nil`
    /// when `bytes` do not start with a header of a format version this release reads. Byte-storing
    /// backends use it to fill in ``CachedValue/creationTime`` of what they read.
    package static func headerCreationTime(_ bytes: [UInt8]) -> Double? {
        guard bytes.count >= 4, bytes[0..<3].elementsEqual(magic), bytes[3] == formatVersion else { return nil }
        var reader = ByteReader(bytes, from: 6)
        return reader.integer(UInt64.self).map(Double.init(bitPattern:))
    }

    /// The key check of `backendKey`: FNV-1a (64-bit) of its UTF-8 bytes.
    static func keyCheck(of backendKey: String) -> UInt64 {
        FNV1a.hash(backendKey.utf8)
    }

    /// The type check of `type`: FNV-1a (64-bit) of ``typeName(of:)``, computed once per type.
    static func typeCheck<Value>(of type: Value.Type) -> UInt64 {
        let id = ObjectIdentifier(type)
        if let check = typeChecks.withLock({ $0[id] }) {
            return check
        }
        let check = FNV1a.hash(typeName(of: type).utf8)
        typeChecks.withLock { $0[id] = check }
        return check
    }

    /// The name of `type` as every process of a program writes it: `String(reflecting:)`
    /// (`MyApp.User`, `Swift.Array<MyApp.User>`), with each private or local context, which it writes
    /// with an address that changes from process to process (`MyApp.(unknown context at $55d0a8c0).User`),
    /// written `(private)`. Two private types of one name in one module share a name.
    static func typeName<Value>(of type: Value.Type) -> String {
        var name = Substring(String(reflecting: type))
        let marker = "(unknown context at $"
        var result = ""
        while let range = name.firstRange(of: marker) {
            result += name[..<range.lowerBound]
            result += "(private)"
            name = name[range.upperBound...].drop { $0.isHexDigit }.dropFirst()
        }
        return result + name
    }

    /// Type checks computed so far, by type; a program stores values of a bounded set of types.
    private static let typeChecks = LockedValue<[ObjectIdentifier: UInt64]>([:])

    private static func append<Integer: FixedWidthInteger>(_ value: Integer, to bytes: inout [UInt8]) {
        for shift in stride(from: Integer.bitWidth - 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }
}

/// Reads big-endian fields from bytes, front to back; each read is `nil` past the end.
private struct ByteReader {
    private let bytes: [UInt8]
    /// The next byte to read.
    private(set) var offset: Int

    init(_ bytes: [UInt8], from offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    mutating func byte() -> UInt8? {
        bytes(1)?.first
    }

    mutating func integer<Integer: FixedWidthInteger>(_ type: Integer.Type) -> Integer? {
        bytes(Integer.bitWidth / 8).map { $0.reduce(0) { $0 << 8 | Integer($1) } }
    }

    mutating func bytes(_ count: Int) -> ArraySlice<UInt8>? {
        guard count <= bytes.count - offset else { return nil }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }
}

/// FNV-1a, 64-bit: a small hash that every process computes the same, unlike `Hasher`, which is
/// seeded per process.
enum FNV1a {
    /// The hash of `bytes`, continuing from `hash` (the offset basis for a new hash).
    static func hash(_ bytes: some Sequence<UInt8>, from hash: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        bytes.reduce(hash) { ($0 ^ UInt64($1)) &* 0x0000_0100_0000_01B3 }
    }
}

/// CRC-32 (IEEE 802.3, as zlib and PNG compute it), eight bytes a step ("slicing by 8"): every
/// hit checks its whole record, and this took memcached hits with invalidation records from 0.87x
/// to 0.96x of those without (MemcachedLoad at 64 tasks, side by side).
enum CRC32 {
    /// Eight tables of 256: `tables[k * 256 + byte]` is the CRC of `byte` followed by `k` zero bytes.
    private static let tables: [UInt32] = {
        let bytewise: [UInt32] = (0..<256).map { index in
            (0..<8).reduce(UInt32(index)) { crc, _ in crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        var tables = bytewise
        for k in 1..<8 {
            for index in 0..<256 {
                let previous = tables[(k - 1) * 256 + index]
                tables.append((previous >> 8) ^ bytewise[Int(previous & 0xFF)])
            }
        }
        return tables
    }()

    /// The checksum of `bytes`, then `more`, as if they were one array: a record's header and
    /// payload are checked where they lie, with no copy.
    static func checksum(_ bytes: ArraySlice<UInt8>, _ more: ArraySlice<UInt8> = []) -> UInt32 {
        tables.withUnsafeBufferPointer { tables in
            func update(_ crc: UInt32, with part: ArraySlice<UInt8>) -> UInt32 {
                // Safety: the buffer is used only inside this call, and each load reads 4 bytes
                // at `offset` or `offset + 4` while at least 8 remain from `offset`.
                part.withUnsafeBytes { part in
                    var crc = crc
                    var offset = 0
                    while part.count - offset >= 8 {
                        let low = UInt32(littleEndian: part.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) ^ crc
                        let high = UInt32(littleEndian: part.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                        crc = tables[7 * 256 + Int(low & 0xFF)] ^ tables[6 * 256 + Int((low >> 8) & 0xFF)]
                            ^ tables[5 * 256 + Int((low >> 16) & 0xFF)] ^ tables[4 * 256 + Int(low >> 24)]
                            ^ tables[3 * 256 + Int(high & 0xFF)] ^ tables[2 * 256 + Int((high >> 8) & 0xFF)]
                            ^ tables[256 + Int((high >> 16) & 0xFF)] ^ tables[Int(high >> 24)]
                        offset += 8
                    }
                    for byte in part[offset...] {
                        crc = tables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8)
                    }
                    return crc
                }
            }
            return ~update(update(~0, with: bytes), with: more)
        }
    }
}

extension ValueRecord {
    /// The record of `value`: raw bytes and text as they are, anything else through `serializer`.
    ///
    /// - Throws: `serializationFailed` when the serializer cannot encode the value.
    init<Value: Sendable>(value: Value, creationTime: Double, serializer: any CacheSerializer) throws {
        try self.init(unchecked: value, creationTime: creationTime, serializer: serializer)
        typeCheck = Self.typeCheck(of: Value.self)
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
