@testable import DogpileCache
import DogpileCacheTesting
import Testing

struct Address: Codable, Equatable, Sendable {
    var street: String
    var zip: String?
}

struct Customer: Codable, Equatable, Sendable {
    var id: Int
    var name: String
    var tags: [String]
    var addresses: [Address]
    var balance: Double
}

struct NotCodable: Sendable {
    var value: Int
}

@Suite struct SerializationTests {
    let customer = Customer(
        id: 7, name: "Zoë", tags: ["a", "b"], addresses: [Address(street: "Main 1", zip: nil)], balance: 12.5
    )

    @Test(arguments: BackendConformance.checks)
    func bytesMemoryBackendConforms(_ check: BackendConformance.Check) async throws {
        try await check.run(on: BytesMemoryBackend())
    }

    @Test func theRecordLayoutIsPinned() throws {
        var record = try ValueRecord(value: "hi", creationTime: 1.5, serializer: JSONCacheSerializer())
        record.expirationTime = .seconds(60)
        record.keyCheck = ValueRecord.keyCheck(of: "user:42")
        record.tags = ["t"]
        let expected: [UInt8] = [
            0x44, 0x50, 0x43,  // magic "DPC"
            0x02,  // format version 2
            0x02,  // encoding: UTF-8 text
            0x01,  // flags: the value chose its expiration
            0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // creation time 1.5 (IEEE 754, big-endian)
            0x40, 0x4E, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // its expiration, 60 s
            0x6C, 0x15, 0x1E, 0xA4, 0xDC, 0xD2, 0x21, 0xC2,  // key check: FNV-1a 64 of "user:42"
            0xB8, 0xFC, 0xA8, 0x4C, 0xCE, 0xED, 0xB0, 0x7B,  // type check: FNV-1a 64 of "Swift.String"
            0x00, 0x01,  // one tag
            0x00, 0x01, 0x74,  // "t"
            0x00, 0x00, 0x00, 0x02,  // payload length 2
            0x91, 0x4C, 0x90, 0xFA,  // CRC-32 of the bytes before it and the payload (zlib.crc32 agrees)
            0x68, 0x69,  // "hi"
        ]
        #expect(CRC32.checksum(Array("123456789".utf8)[...]) == 0xCBF4_3926)  // the standard check value
        #expect(FNV1a.hash("a".utf8) == 0xAF63_DC4C_8601_EC8C)  // FNV-1a 64's published value for "a"
        #expect(record.bytes == expected)
        #expect(ValueRecord(bytes: record.bytes) == record)
    }

    @Test("the eight-bytes-a-step checksum is a bit-by-bit CRC-32, at every length and every split")
    func checksumMatchesTheBitwiseDefinition() {
        func bitwise(_ bytes: [UInt8]) -> UInt32 {
            var crc = ~UInt32(0)
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return ~crc
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<70).map { _ in UInt8.random(in: 0...255, using: &generator) }
        for length in 0...bytes.count {
            let expected = bitwise(Array(bytes[0..<length]))
            for split in 0...length {
                #expect(CRC32.checksum(bytes[0..<split], bytes[split..<length]) == expected, "length \(length), split \(split)")
            }
        }
    }

    @Test func recordsOfFormatVersionOneAreMisses() async throws {
        let version1: [UInt8] = [
            0x44, 0x50, 0x43, 0x01, 0x02,  // magic, version 1, UTF-8 text
            0x3F, 0xF8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // creation time 1.5
            0x00, 0x00, 0x00, 0x02,  // payload length 2
            0xC5, 0x65, 0x8C, 0x2C,  // CRC-32
            0x68, 0x69,  // "hi"
        ]
        #expect(ValueRecord(bytes: version1) == nil)
        #expect(ValueRecord.headerCreationTime(version1) == nil)
        let backend = BytesMemoryBackend()
        let region = try CacheRegion(backend: backend)
        try await backend.set("k", CachedValue(payload: version1, creationTime: 1.5))
        #expect(try await region.get("k", as: String.self, ignoreExpiration: true) == nil)
        #expect(try await region.getOrCreate("k") { "new" } == "new")
        let upgraded = try #require(try await backend.get("k")?.payload as? [UInt8])
        #expect(upgraded[3] == ValueRecord.formatVersion)
        #expect(region.statistics.mismatchedRecords == 0)
    }

    @Test func aValueCarriesAttributesOnlyWhenItHasSome() {
        var value = CachedValue(payload: "v", creationTime: 1)
        #expect(value.box.attributes == nil && value.expirationTime == nil)
        value.expirationTime = .seconds(5)
        #expect(value.expirationTime == .seconds(5) && value.payload as? String == "v")
        value.payload = "w"
        #expect(value.expirationTime == .seconds(5) && value.payload as? String == "w")
        let copy = value
        value.expirationTime = nil
        #expect(value.box.attributes == nil && copy.expirationTime == .seconds(5))
        // A value read from bytes holds its record's expiration, and a change makes a new record.
        var record = ValueRecord(encoding: .utf8Text, creationTime: 1, payload: Array("r".utf8))
        record.typeCheck = ValueRecord.typeCheck(of: String.self)
        record.expirationTime = .never
        var read = CachedValue(record: record, serializer: JSONCacheSerializer())
        #expect(read.expirationTime == .never)
        read.expirationTime = .seconds(3)
        #expect(read.expirationTime == .seconds(3) && read.payload(as: String.self) == "r")
    }

    @Test func aValueChosenExpirationTravelsInTheRecord() async throws {
        let backend = BytesMemoryBackend()
        let clock = ManualCacheClock(now: 1_000)
        let region = try CacheRegion(backend: backend, expirationTime: .seconds(10), clock: clock)
        for expiration in [CacheExpiration.seconds(100), .never] {
            try await region.store("k", CachedValue(payload: "v", creationTime: 1_000, expirationTime: expiration), configuration: region.configuration())
            let bytes = try #require(try await backend.get("k")?.payload as? [UInt8])
            #expect(ValueRecord(bytes: bytes)?.expirationTime == expiration)
            clock.advance(by: 50)
            // Past the region's 10 s, within the value's own expiration: fresh.
            #expect(try await region.get("k", as: String.self) == "v")
            clock.set(to: 1_000)
        }
    }

    @Test func codableValuesRoundTripThroughJSON() async throws {
        let region = try CacheRegion(backend: BytesMemoryBackend())
        try await region.set("customer", customer)
        #expect(try await region.get("customer", as: Customer.self) == customer)
        #expect(try await region.getOrCreate("customer") { Customer(id: 0, name: "", tags: [], addresses: [], balance: 0) } == customer)
        let created = try await region.getOrCreate("other") { customer }
        #expect(created == customer)
        #expect(try await region.get("other", as: Customer.self) == customer)
    }

    @Test func rawBytesAndTextAreStoredUnchanged() async throws {
        let backend = BytesMemoryBackend()
        let region = try CacheRegion(backend: backend)
        let bytes: [UInt8] = [0, 13, 10, 0x45, 0x4E, 0x44, 13, 10, 0xFF]  // NUL, "\r\nEND\r\n", 0xFF
        try await region.set("bytes", bytes)
        try await region.set("text", "héllo\r\nEND\r\n")
        #expect(try await region.get("bytes", as: [UInt8].self) == bytes)
        #expect(try await region.get("text", as: String.self) == "héllo\r\nEND\r\n")
        let stored = try #require(try await backend.get("bytes")?.payload as? [UInt8])
        #expect(Array(stored[ValueRecord.headerSize...]) == bytes)
        #expect(stored[4] == ValueRecord.Encoding.rawBytes.rawValue)
    }

    @Test func valuesAreCopies() async throws {
        final class Box: Codable, @unchecked Sendable {
            var count = 1
        }
        let region = try CacheRegion(backend: BytesMemoryBackend())
        let box = Box()
        try await region.set("box", box)
        box.count = 99
        #expect(try await region.get("box", as: Box.self)?.count == 1)
    }

    @Test func aValueThatCannotBeEncodedFailsAnExplicitWrite() async throws {
        let region = try CacheRegion(backend: BytesMemoryBackend())
        let error = await #expect(throws: CacheError.self) { try await region.set("k", NotCodable(value: 1)) }
        #expect(error?.code == .serializationFailed)
        await #expect(throws: CacheError(.serializationFailed, "")) { try await region.setMulti(["a": NotCodable(value: 1)]) }
    }

    @Test func aCreatedValueThatCannotBeEncodedIsReturnedNotStoredAndItsTypeNamed() async throws {
        for policy in [BackendErrorPolicy.failOpen, .propagate] {
            let log = CapturedLog()
            let region = try CacheRegion(backend: BytesMemoryBackend(), logger: log.logger(), backendErrors: policy)
            let creations = CreatorLog()
            for _ in 0..<2 {
                #expect(try await region.getOrCreate("k") { creations.record(); return NotCodable(value: 2) }.value == 2)
            }
            #expect(creations.calls == 2, "nothing was stored, so the second call creates again")
            #expect(try await region.getOrCreateMulti(["a", "b"]) { keys in keys.map { _ in NotCodable(value: 1) } }.map(\.value) == [1, 1])
            let wrapped = region.cacheOnArguments(name: "notCodable") { (n: Int) async throws -> NotCodable in NotCodable(value: n) }
            #expect(try await wrapped(3).value == 3)
            #expect(region.statistics.backendErrors == 0)
            #expect(log.warnings.count == 1, "once per type: \(log.warnings)")
            #expect(log.warnings.first?.contains("type=DogpileCacheTests.NotCodable") == true)
        }
    }

    @Test func aValueThatCouldBeWrittenButNotReadIsRefused() async throws {
        struct WriteOnly: Encodable, Sendable { var value = 1 }
        let region = try CacheRegion(backend: BytesMemoryBackend())
        let error = await #expect(throws: CacheError.self) { try await region.set("k", WriteOnly()) }
        #expect(error?.code == .serializationFailed)
    }

    @Test func invalidUTF8TextIsAMiss() async throws {
        let backend = BytesMemoryBackend()
        let region = try CacheRegion(backend: backend)
        var record = ValueRecord(encoding: .utf8Text, creationTime: 0, payload: [0xFF, 0xFE])
        record.keyCheck = ValueRecord.keyCheck(of: "k")
        record.typeCheck = ValueRecord.typeCheck(of: String.self)
        try await backend.set("k", CachedValue(payload: record.bytes, creationTime: 0))
        #expect(try await region.get("k", as: String.self) == nil)
        #expect(try await region.get("k", as: String?.self) == nil)
    }

    @Test func fuzzedPayloadsInValidRecordsNeverReadAsAValue() async throws {
        let backend = BytesMemoryBackend()
        let region = try CacheRegion(backend: backend)
        var generator = SystemRandomNumberGenerator()
        for index in 0..<2_000 {
            let payload = (0..<Int.random(in: 0..<200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var record = ValueRecord(encoding: .serializer, creationTime: 1, payload: payload)
            record.keyCheck = ValueRecord.keyCheck(of: "fuzz\(index)")
            record.typeCheck = ValueRecord.typeCheck(of: Customer.self)
            try await backend.set("fuzz\(index)", CachedValue(payload: record.bytes, creationTime: 0))
            #expect(try await region.get("fuzz\(index)", as: Customer.self, ignoreExpiration: true) == nil)
        }
    }

    @Test func undecodableOrForeignBytesAreMisses() async throws {
        let backend = BytesMemoryBackend()
        let region = try CacheRegion(backend: backend)
        try await region.set("customer", customer)
        // The same bytes asked for as another type: a miss, and getOrCreate replaces it.
        #expect(try await region.get("customer", as: Int.self) == nil)
        // Bytes written by another format version, garbled, or not a record at all.
        var record = try #require(try await backend.get("customer")?.payload as? [UInt8])
        record[3] = 3
        try await backend.set("other version", CachedValue(payload: record, creationTime: 0))
        record[3] = 2
        record[record.count - 1] ^= 0x01
        try await backend.set("garbled", CachedValue(payload: record, creationTime: 0))
        try await backend.set("foreign", CachedValue(payload: Array("not a record".utf8), creationTime: 0))
        for key in ["other version", "garbled", "foreign"] {
            #expect(try await region.get(key, as: Customer.self) == nil, "\(key)")
            #expect(try await region.getOrCreate(key) { customer } == customer, "\(key)")
            #expect(try await region.get(key, as: Customer.self) == customer, "\(key)")
        }
    }

    @Test func fuzzedBytesNeverCrashAndNeverDecode() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(ValueRecord(bytes: bytes) == nil)
        }
        let serializer = JSONCacheSerializer()
        for value in [try! ValueRecord(value: customer, creationTime: 5, serializer: serializer),
                      try! ValueRecord(value: [UInt8](repeating: 7, count: 40), creationTime: 5, serializer: serializer),
                      try! ValueRecord(value: "some text", creationTime: 5, serializer: serializer)] {
            let bytes = value.bytes
            for length in 0..<bytes.count {
                #expect(ValueRecord(bytes: Array(bytes[..<length])) == nil, "truncated to \(length)")
            }
            for index in bytes.indices {
                var garbled = bytes
                garbled[index] ^= 0x5A
                #expect(ValueRecord(bytes: garbled) == nil, "garbled at \(index)")
            }
        }
    }
}
