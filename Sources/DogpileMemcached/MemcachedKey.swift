import DogpileCache

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The rules for keys memcached can hold, checked before anything is sent.
enum MemcachedKey {
    /// The longest key memcached accepts, in UTF-8 bytes.
    static let maxLength = 250

    /// Throws `invalidKey` unless `key` is 1 to 250 UTF-8 bytes with no space and no control
    /// character (bytes 0x00–0x20 and 0x7F), the bytes that would end or split a key on the wire.
    static func validate(_ key: String) throws {
        let bytes = key.utf8
        guard !bytes.isEmpty else {
            throw CacheError(.invalidKey, "memcached keys cannot be empty")
        }
        guard bytes.count <= maxLength else {
            throw CacheError(
                .invalidKey,
                "key \(excerpt(key)) is \(bytes.count) bytes; memcached takes at most \(maxLength). Configure a key mangler such as KeyMangler.sha1"
            )
        }
        if let offset = firstForbiddenByte(of: key) {
            throw CacheError(
                .invalidKey,
                "key \(excerpt(key)) has a space or control character at byte \(offset), which memcached cannot take. Configure a key mangler such as KeyMangler.sha1"
            )
        }
    }

    /// The offset of `key`'s first space or control byte, if any.
    private static func firstForbiddenByte(of key: String) -> Int? {
        let isForbidden = { (byte: UInt8) in byte <= 0x20 || byte == 0x7F }
        // A native string's bytes are contiguous: scanning them directly is several times faster
        // than walking the UTF-8 view, and a read checks several keys.
        // `scanned` is the scan's answer, itself nil when no byte is forbidden.
        if let scanned = key.utf8.withContiguousStorageIfAvailable({ $0.firstIndex(where: isForbidden) }) {
            return scanned
        }
        let bytes = key.utf8
        return bytes.firstIndex(where: isForbidden).map { bytes.distance(from: bytes.startIndex, to: $0) }
    }

    /// The key quoted and escaped, cut to its first 60 characters.
    private static func excerpt(_ key: String) -> String {
        let shown = key.count > 60 ? String(key.prefix(60)) + "…" : key
        return shown.debugDescription
    }
}

extension MemcachedKey {
    /// A key as memcached sees it, to look keys up by: two keys are equal only when their UTF-8
    /// bytes are (`String` equality would merge "café" written two ways), and hashing takes all
    /// the bytes in one call. It holds the key's `String`, so making one allocates nothing.
    struct Bytes: Hashable, Sendable {
        private let key: String

        init(_ key: String) {
            self.key = key
        }

        /// The key of an answer, as the server sent it back. Bytes that are not UTF-8 are no key this
        /// process sent, and become the empty key, which none is.
        init(_ bytes: UnsafeRawBufferPointer) {
            key = String(validating: bytes, as: UTF8.self) ?? ""
        }

        static func == (lhs: Bytes, rhs: Bytes) -> Bool {
            lhs.withBytes { lhs in
                rhs.withBytes { rhs in
                    lhs.count == rhs.count && (lhs.isEmpty || memcmp(lhs.baseAddress!, rhs.baseAddress!, lhs.count) == 0)
                }
            }
        }

        func hash(into hasher: inout Hasher) {
            withBytes { hasher.combine(bytes: $0) }
        }

        /// Calls `body` with the key's UTF-8 bytes, where the string holds them when it can.
        private func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
            if let result = key.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
                return result
            }
            var key = key
            return key.withUTF8 { body(UnsafeRawBufferPointer($0)) }
        }
    }
}
