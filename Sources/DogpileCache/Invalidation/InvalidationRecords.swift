/// The records through which the processes sharing a byte-storing backend learn of each other's
/// invalidations, stored in that backend beside the values (see <doc:FleetInvalidation>):
///
/// - the region record, `dp:i:<sha1(region name), first 10 hex digits>`: the latest
///   ``CacheRegion/invalidate(hard:)``;
/// - the tag epoch, `dp:e:<sha1(region name), first 10 hex digits>`: the latest tag invalidation of
///   the region;
/// - a tag record per tag, `dp:t:<sha1(region name, NUL, tag)>`: that tag's latest invalidation.
///
/// Every read sends the region's two keys, so they are 15 bytes, the longest string Swift holds
/// inline: hashed, checked and copied with no heap reference, they cost a read a third of what
/// 55-byte keys did (memcached hits at 64 tasks, `Benchmarks/Profiles/MemcachedLoad`). Two region
/// names sharing 40 bits of digest would share invalidations: extra misses, never a wrong value.
///
/// Each key goes through the region's key mangler like a value's key. Each record is a
/// ``ValueRecord`` of raw bytes whose payload is an ``Entry`` (the ``InvalidationWord``, then a random
/// write ID, 8 bytes each, big-endian), whose creation time is the invalidation's, and whose key and
/// type checks are those of its key and of this type: bytes that are not such a record are no
/// invalidation.
struct InvalidationRecords: Sendable {
    /// The backend key of the region record.
    let regionKey: String
    /// The backend key of the tag epoch.
    let tagEpochKey: String
    private let regionName: String
    private let mangle: @Sendable (String) -> String

    /// The records of the region named `regionName`, whose keys `mangle` turns into backend keys.
    init(regionName: String, mangle: @escaping @Sendable (String) -> String) {
        let digest = SHA1.digest(regionName.utf8).hexadecimal.prefix(10)
        self.regionKey = mangle("dp:i:" + digest)
        self.tagEpochKey = mangle("dp:e:" + digest)
        self.regionName = regionName
        self.mangle = mangle
    }

    /// The backend key of `tag`'s record.
    func tagKey(_ tag: String) -> String {
        mangle("dp:t:" + SHA1.digest(Array(regionName.utf8) + [0] + Array(tag.utf8)).hexadecimal)
    }

    /// An invalidation as a record holds it.
    struct Entry: Equatable, Sendable {
        /// The invalidation, an ``InvalidationWord``.
        var word: Int64
        /// Random, one per write: two writes of the same time are still told apart.
        var writeID: UInt64
    }

    /// The record of `entry`, an invalidation made at `time`, to store under `backendKey`.
    static func record(_ entry: Entry, at time: Double, for backendKey: String) -> CachedValue {
        var payload: [UInt8] = []
        withUnsafeBytes(of: entry.word.bigEndian) { payload.append(contentsOf: $0) }
        withUnsafeBytes(of: entry.writeID.bigEndian) { payload.append(contentsOf: $0) }
        var record = ValueRecord(encoding: .rawBytes, creationTime: time, payload: payload)
        record.keyCheck = ValueRecord.keyCheck(of: backendKey)
        record.typeCheck = ValueRecord.typeCheck(of: Self.self)
        return CachedValue(typed: record.bytes, creationTime: time)
    }

    /// The invalidation that was read under `backendKey`, or `nil` when nothing was or it is not an
    /// invalidation record of that key.
    static func entry(of stored: CachedValue?, readUnder backendKey: String) -> Entry? {
        guard let bytes = stored?.payload as? [UInt8], let record = ValueRecord(bytes: bytes),
            record.encoding == .rawBytes, record.payload.count == 16,
            record.keyCheck == ValueRecord.keyCheck(of: backendKey),
            record.typeCheck == ValueRecord.typeCheck(of: Self.self)
        else { return nil }
        let word = record.payload[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let writeID = record.payload[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return word > 0 ? Entry(word: word, writeID: writeID) : nil
    }
}
