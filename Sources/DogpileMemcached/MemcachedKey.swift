import DogpileCache

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
        if let offset = bytes.firstIndex(where: { $0 <= 0x20 || $0 == 0x7F }).map({ bytes.distance(from: bytes.startIndex, to: $0) }) {
            throw CacheError(
                .invalidKey,
                "key \(excerpt(key)) has a space or control character at byte \(offset), which memcached cannot take. Configure a key mangler such as KeyMangler.sha1"
            )
        }
    }

    /// The key quoted and escaped, cut to its first 60 characters.
    private static func excerpt(_ key: String) -> String {
        let shown = key.count > 60 ? String(key.prefix(60)) + "…" : key
        return shown.debugDescription
    }
}

extension MemcachedKey {
    /// A key's bytes as memcached sees them, to look keys up by: two keys are equal only when
    /// their UTF-8 bytes are (`String` equality would merge "café" written two ways).
    struct Bytes: Hashable, Sendable {
        let bytes: [UInt8]

        init(_ key: String) {
            bytes = Array(key.utf8)
        }

        /// The key of an answer, as the server sent it back.
        init(_ bytes: UnsafeRawBufferPointer) {
            self.bytes = Array(bytes)
        }

        /// All the bytes in one call: byte by byte, hashing the keys of a read's batch cost a tenth
        /// of a memcached hit (perf, `MemcachedLoad` at 64 tasks). The buffer does not outlive the call.
        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }
}
