import CLibmemcached
import DogpileCache
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One libmemcached handle, configured for every server, used by one worker thread at a time.
///
/// Every method blocks until the servers answer or a configured timeout passes, so they run only on
/// the backend's own worker threads, never on Swift's cooperative pool. Keys reaching it have been
/// checked by ``MemcachedKey``.
final class MemcachedConnection {
    private let handle: UnsafeMutablePointer<memcached_st>
    private let result: UnsafeMutablePointer<memcached_result_st>
    private let lifetime: Duration?
    private let openConnections: LockedValue<Int>
    private let health: MemcachedServerHealth
    private let ejectsDeadServers: Bool
    private let retryTimeout: Duration
    private let logger: Logger

    /// Creates a handle with the configuration's servers and behaviours. No connection is opened
    /// until the first request.
    ///
    /// `health` is shared by the backend's connections; `openConnections` counts them, so tests can
    /// prove none outlive the backend.
    init(
        configuration: MemcachedBackend.Configuration, health: MemcachedServerHealth, openConnections: LockedValue<Int>, logger: Logger
    ) throws {
        guard let handle = memcached_create(nil) else {
            throw CacheError(.backendUnavailable, "libmemcached could not allocate a handle")
        }
        self.handle = handle
        // Storage of our own: libmemcached frees a result it allocated itself when a fetch ends.
        result = .allocate(capacity: 1)
        guard memcached_result_create(handle, result) != nil else {
            result.deallocate()
            memcached_free(handle)
            throw CacheError(.backendUnavailable, "libmemcached could not allocate a result")
        }
        lifetime = configuration.memcachedExpireTime
        self.openConnections = openConnections
        self.health = health
        self.ejectsDeadServers = configuration.ejectDeadServers && configuration.servers.count > 1
        self.retryTimeout = configuration.retryTimeout
        self.logger = logger
        openConnections.withLock { $0 += 1 }
        // When this throws, deinit frees the handle and the result.
        try configure(configuration)
    }

    deinit {
        memcached_result_free(result)
        result.deallocate()
        memcached_free(handle)
        openConnections.withLock { $0 -= 1 }
    }

    private func configure(_ configuration: MemcachedBackend.Configuration) throws {
        var behaviors: [(memcached_behavior_t, UInt64)] = [
            (MEMCACHED_BEHAVIOR_NO_BLOCK, 1),
            (MEMCACHED_BEHAVIOR_TCP_NODELAY, configuration.tcpNoDelay ? 1 : 0),
            (MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, configuration.binaryProtocol ? 1 : 0),
            (MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, Self.milliseconds(configuration.connectTimeout)),
            (MEMCACHED_BEHAVIOR_POLL_TIMEOUT, Self.milliseconds(configuration.pollTimeout)),
            (MEMCACHED_BEHAVIOR_RCV_TIMEOUT, Self.milliseconds(configuration.pollTimeout) * 1000),
            (MEMCACHED_BEHAVIOR_SND_TIMEOUT, Self.milliseconds(configuration.pollTimeout) * 1000),
            // libmemcached's own breaker is off: it would keep a server "disabled until timed retry" in
            // this handle alone, failing calls here after the server came back and another handle
            // found it answering. ``MemcachedServerHealth``, shared by every handle, decides instead.
            (MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, UInt64(UInt32.max)),
            (MEMCACHED_BEHAVIOR_SERVER_TIMEOUT_LIMIT, UInt64(UInt32.max)),
        ]
        if configuration.consistentDistribution, configuration.servers.count > 1 {
            // Weighted always, so that giving one server a weight later moves only that server's share.
            behaviors.append((MEMCACHED_BEHAVIOR_KETAMA_WEIGHTED, 1))
        }
        for (behavior, value) in behaviors {
            let code = memcached_behavior_set(handle, behavior, value)
            guard code == MEMCACHED_SUCCESS else {
                throw error(code, "setting behaviour \(behavior.rawValue) to \(value)")
            }
        }
        for server in configuration.servers {
            let code = memcached_server_add_with_weight(handle, server.host, in_port_t(server.port), UInt32(server.weight))
            guard code == MEMCACHED_SUCCESS else {
                throw error(code, "adding server \(server)")
            }
        }
    }

    /// The outcome of reading some keys in one round trip. Keys are compared as bytes, as memcached
    /// compares them (Swift's `String` equality would merge "café" written two ways).
    struct Fetched {
        /// The values found, by key.
        var values: [MemcachedKey.Bytes: [UInt8]] = [:]
        /// The failure that kept some servers from answering, if any.
        var failure: CacheError?
        /// Keys that may be missing because their server failed rather than because they are absent.
        var failedKeys: Set<MemcachedKey.Bytes> = []
    }

    /// Reads `keys` (distinct) with one multi-get per server involved, so that each server's failure
    /// is its own. Keys on servers the health tracker skips are read from their substitute when
    /// dead servers are ejected, and otherwise not sent and reported as failed.
    func fetch(_ keys: [String]) -> Fetched {
        var fetched = Fetched()
        var admitted: [Int: Bool] = [:]
        var groups: [Int: (groupKey: String, keys: [String])] = [:]
        for key in keys {
            switch target(for: key, admitted: &admitted) {
            case .home(let home):
                groups[home, default: (key, [])].keys.append(key)
            case .substitute(let index, let groupKey):
                groups[index, default: (groupKey, [])].keys.append(key)
            case .skipped(let home):
                fetched.failedKeys.insert(MemcachedKey.Bytes(key))
                fetched.failure = skipped(home)
            }
        }
        for (server, group) in groups {
            read(group.keys, from: server, groupKey: group.groupKey, into: &fetched)
        }
        return fetched
    }

    /// Reads `keys` from server `server` (which `groupKey` routes to) in one multi-get, and tells the
    /// health tracker whether it answered. A server that did not answer in full leaves the keys it
    /// did not return failed, and the handle's connections are closed so that a late answer is
    /// never read as the answer to a later request.
    private func read(_ keys: [String], from server: Int, groupKey: String, into fetched: inout Fetched) {
        let collect = { (result: UnsafePointer<memcached_result_st>) in
            fetched.values[Self.key(of: result)] = Self.value(of: result)
        }
        var status = multiGet(keys, groupKey: groupKey, each: collect)
        if Self.isBrokenConnection(status) {
            // A connection the server closed (it restarted, say) fails once: read again on a new one.
            memcached_quit(handle)
            status = multiGet(keys, groupKey: groupKey, each: collect)
        }
        guard Self.isServerFailure(status) || (status != MEMCACHED_SUCCESS && status != MEMCACHED_END && status != MEMCACHED_NOTFOUND) else {
            recordSuccess(server)
            return
        }
        fetched.failure = error(status, "reading \(keys.count) keys from \(name(ofServer: server))")
        for key in keys where fetched.values[MemcachedKey.Bytes(key)] == nil {
            fetched.failedKeys.insert(MemcachedKey.Bytes(key))
        }
        recordFailure(server, fetched.failure!)
        memcached_quit(handle)
    }

    /// Sends one multi-get for `keys` to the server of `groupKey` and hands each result that comes
    /// back to `each`; returns how it ended.
    private func multiGet(
        _ keys: [String], groupKey: String, each: (UnsafePointer<memcached_result_st>) -> Void
    ) -> memcached_return_t {
        let code = withKeyPointers(keys) { pointers, lengths in
            withBytes(groupKey) { memcached_mget_by_key(handle, $0, $1, pointers, lengths, keys.count) }
        }
        guard code == MEMCACHED_SUCCESS else { return code }
        var status = MEMCACHED_SUCCESS
        while memcached_fetch_result(handle, result, &status) != nil {
            each(result)
        }
        // A fetch that times out may end as if the keys were absent; the handle's error says so.
        if status == MEMCACHED_END || status == MEMCACHED_SUCCESS || status == MEMCACHED_NOTFOUND {
            let last = memcached_last_error(handle)
            return Self.isServerFailure(last) ? last : MEMCACHED_END
        }
        return status
    }

    /// Stores `value` under `key`.
    func set(_ key: String, _ value: [UInt8]) throws {
        let doing = "storing key \(key.debugDescription)"
        let code = try tracked(key, doing: doing) { store(key, value, groupKey: $0, memcached_set_by_key) }
        guard code == MEMCACHED_SUCCESS || code == MEMCACHED_STORED else {
            throw error(code, doing)
        }
    }

    /// Stores `value` under `key` only if the key is absent; `false` when it is present.
    func add(_ key: String, _ value: [UInt8], expiration: time_t) throws -> Bool {
        let doing = "adding key \(key.debugDescription)"
        let code = try tracked(key, doing: doing, retryOnBrokenConnection: false) {
            store(key, value, groupKey: $0, expiration: expiration, memcached_add_by_key)
        }
        switch code {
        case MEMCACHED_SUCCESS, MEMCACHED_STORED: return true
        case MEMCACHED_NOTSTORED, MEMCACHED_DATA_EXISTS: return false
        default: throw error(code, doing)
        }
    }

    /// Removes `key`; a missing key is not an error.
    func delete(_ key: String) throws {
        let doing = "deleting key \(key.debugDescription)"
        let code = try tracked(key, doing: doing) { groupKey in
            withBytes(groupKey) { group, groupLength in
                withBytes(key) { memcached_delete_by_key(handle, group, groupLength, $0, $1, 0) }
            }
        }
        guard code == MEMCACHED_SUCCESS || code == MEMCACHED_DELETED || code == MEMCACHED_NOTFOUND else {
            throw error(code, doing)
        }
    }

    /// Removes `key` only while it holds `value`, as one atomic step on the server: a `gets`, then a
    /// `cas` that replaces the value with one already expired (memcached has no compare-and-delete).
    /// `true` when it removed it; `false` when the key holds something else or is absent.
    func delete(_ key: String, ifHolding value: [UInt8]) throws -> Bool {
        let doing = "releasing lock key \(key.debugDescription)"
        var found: (value: [UInt8], cas: UInt64)?
        memcached_behavior_set(handle, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 1)
        defer { memcached_behavior_set(handle, MEMCACHED_BEHAVIOR_SUPPORT_CAS, 0) }
        let read = try tracked(key, doing: doing) { groupKey in
            found = nil
            return multiGet([key], groupKey: groupKey) { result in
                found = (Self.value(of: result), memcached_result_cas(result))
            }
        }
        guard read == MEMCACHED_SUCCESS || read == MEMCACHED_END || read == MEMCACHED_NOTFOUND else {
            throw error(read, doing)
        }
        guard let found, found.value == value else { return false }
        let swapped = try tracked(key, doing: doing, retryOnBrokenConnection: false) { groupKey in
            withBytes(groupKey) { group, groupLength in
                withBytes(key) { keyPointer, keyLength in
                    value.withUnsafeBytes { bytes in
                        memcached_cas_by_key(
                            handle, group, groupLength, keyPointer, keyLength, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                            bytes.count, Self.alreadyExpired, 0, found.cas
                        )
                    }
                }
            }
        }
        switch swapped {
        case MEMCACHED_SUCCESS, MEMCACHED_STORED: return true
        case MEMCACHED_DATA_EXISTS, MEMCACHED_NOTFOUND, MEMCACHED_NOTSTORED: return false
        default: throw error(swapped, doing)
        }
    }

    /// Whether `key` is present.
    func exists(_ key: String) throws -> Bool {
        let doing = "checking key \(key.debugDescription)"
        let code = try tracked(key, doing: doing) { groupKey in
            withBytes(groupKey) { group, groupLength in
                withBytes(key) { memcached_exist_by_key(handle, group, groupLength, $0, $1) }
            }
        }
        switch code {
        case MEMCACHED_SUCCESS: return true
        case MEMCACHED_NOTFOUND: return false
        default: throw error(code, doing)
        }
    }

    /// The server calls for `key` go to, as `host:port`: where consistent hashing puts it, or its
    /// substitute while that server is skipped and dead servers are ejected.
    func server(forKey key: String) -> String {
        let home = serverIndex(key)
        guard health.isSkipped(home), let (index, _) = substitute(for: key, home: home) else { return name(ofServer: home) }
        return name(ofServer: index)
    }

    // MARK: - Helpers

    /// Where a call for a key goes.
    private enum Target {
        /// To the key's own server.
        case home(Int)
        /// To server `index` in place of the key's skipped server, routed there by `groupKey`.
        case substitute(Int, groupKey: String)
        /// Nowhere: the key's server is skipped and dead servers are not ejected.
        case skipped(Int)
    }

    /// Where a call for `key` goes now. `admitted` remembers the health tracker's answer per server,
    /// so that one batch asks once per server.
    private func target(for key: String, admitted: inout [Int: Bool]) -> Target {
        let home = serverIndex(key)
        let isAdmitted = admitted[home] ?? health.admits(home)
        admitted[home] = isAdmitted
        if isAdmitted {
            return .home(home)
        }
        guard let (index, groupKey) = substitute(for: key, home: home) else { return .skipped(home) }
        return .substitute(index, groupKey: groupKey)
    }

    /// With ejection, a server not skipped to hold `key` while its own server `home` is, and a group
    /// key that libmemcached routes there: the first of `1@key`, `2@key`, … that hashes to a server
    /// not skipped. Every process with the same servers and the same failures picks the same one.
    private func substitute(for key: String, home: Int) -> (Int, String)? {
        guard ejectsDeadServers else { return nil }
        for attempt in 1...32 {
            let groupKey = "\(attempt)@\(key)"
            let index = serverIndex(groupKey)
            if index != home, !health.isSkipped(index) {
                return (index, groupKey)
            }
        }
        return nil
    }

    /// Runs a call for `key` with the group key that routes it (the key itself, or a substitute's),
    /// unless its server is skipped, and tells the health tracker whether the server answered.
    /// A connection the server closed fails once; with `retryOnBrokenConnection` the call is made again
    /// on a new connection (not for `add`, which may have been applied before the answer was lost).
    ///
    /// - Throws: For a server that did not answer, the error for `doing`, made before the handle's
    ///   connections are closed (closing them clears libmemcached's text of the error).
    private func tracked(
        _ key: String,
        doing: String,
        retryOnBrokenConnection: Bool = true,
        _ call: (_ groupKey: String) -> memcached_return_t
    ) throws -> memcached_return_t {
        var admitted: [Int: Bool] = [:]
        let server: Int
        let groupKey: String
        switch target(for: key, admitted: &admitted) {
        case .home(let home): (server, groupKey) = (home, key)
        case .substitute(let index, let group): (server, groupKey) = (index, group)
        case .skipped(let home): throw skipped(home)
        }
        var code = call(groupKey)
        if retryOnBrokenConnection, Self.isBrokenConnection(code) {
            memcached_quit(handle)
            code = call(groupKey)
        }
        if Self.isServerFailure(code) {
            let failure = error(code, doing)
            recordFailure(server, failure)
            // A late answer must never be read as the answer to the next request.
            memcached_quit(handle)
            throw failure
        } else {
            recordSuccess(server)
        }
        return code
    }

    /// Tells the health tracker that server `index` answered, and logs it when that puts the server
    /// back in use.
    private func recordSuccess(_ index: Int) {
        if health.recordSuccess(index) {
            logger.notice("memcached server answers again; its keys go to it again", metadata: ["server": "\(name(ofServer: index))"])
        }
    }

    /// Tells the health tracker that server `index` failed with `error`, and warns when that starts
    /// skipping it.
    private func recordFailure(_ index: Int, _ error: CacheError) {
        guard health.recordFailure(index) else { return }
        logger.warning(
            ejectsDeadServers
                ? "memcached server failed to answer; its keys go to another server until it is tried again"
                : "memcached server failed to answer; calls for its keys fail at once until it is tried again",
            metadata: ["server": "\(name(ofServer: index))", "retry": "\(retryTimeout)", "error": "\(error.message)"]
        )
    }

    /// The index, in the configuration, of the server `key` lives on.
    private func serverIndex(_ key: String) -> Int {
        Int(withBytes(key) { memcached_generate_hash(handle, $0, $1) })
    }

    private func skipped(_ index: Int) -> CacheError {
        CacheError(.backendUnavailable, "memcached server \(name(ofServer: index)) failed to answer and is skipped until it is retried")
    }

    private func name(ofServer index: Int) -> String {
        guard let instance = memcached_server_instance_by_position(handle, UInt32(index)) else { return "#\(index)" }
        return "\(String(cString: memcached_server_name(instance))):\(memcached_server_port(instance))"
    }

    private static func key(of result: UnsafePointer<memcached_result_st>) -> MemcachedKey.Bytes {
        MemcachedKey.Bytes(UnsafeRawBufferPointer(start: memcached_result_key_value(result), count: memcached_result_key_length(result)))
    }

    private static func value(of result: UnsafePointer<memcached_result_st>) -> [UInt8] {
        [UInt8](UnsafeRawBufferPointer(start: memcached_result_value(result), count: memcached_result_length(result)))
    }

    /// An expiration memcached reads as a moment already past: over 30 days, so an absolute Unix
    /// time, and that time is in 1970. An item stored with it is gone at once.
    static let alreadyExpired: time_t = 30 * 24 * 3600 + 1

    /// Whether `code` says the connection broke (as when the server closed it), rather than that the
    /// server did not answer in time or is known to be down.
    private static func isBrokenConnection(_ code: memcached_return_t) -> Bool {
        switch code {
        case MEMCACHED_WRITE_FAILURE, MEMCACHED_READ_FAILURE, MEMCACHED_UNKNOWN_READ_FAILURE, MEMCACHED_PARTIAL_READ,
            MEMCACHED_ERRNO, MEMCACHED_CONNECTION_FAILURE:
            return true
        default:
            return false
        }
    }

    /// Whether `code` says the server did not answer, rather than answered with a refusal.
    private static func isServerFailure(_ code: memcached_return_t) -> Bool {
        switch code {
        case MEMCACHED_TIMEOUT, MEMCACHED_CONNECTION_FAILURE, MEMCACHED_WRITE_FAILURE, MEMCACHED_READ_FAILURE,
            MEMCACHED_UNKNOWN_READ_FAILURE, MEMCACHED_PARTIAL_READ, MEMCACHED_ERRNO, MEMCACHED_HOST_LOOKUP_FAILURE,
            MEMCACHED_SERVER_MARKED_DEAD, MEMCACHED_SERVER_TEMPORARILY_DISABLED, MEMCACHED_NO_SERVERS:
            return true
        default:
            return false
        }
    }

    private typealias StoreFunction = (
        UnsafeMutablePointer<memcached_st>?, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int, UnsafePointer<CChar>?, Int,
        time_t, UInt32
    ) -> memcached_return_t

    private func store(
        _ key: String, _ value: [UInt8], groupKey: String, expiration: time_t? = nil, _ function: StoreFunction
    ) -> memcached_return_t {
        withBytes(groupKey) { group, groupLength in
            withBytes(key) { keyPointer, keyLength in
                value.withUnsafeBytes { bytes in
                    function(
                        handle, group, groupLength, keyPointer, keyLength, bytes.baseAddress?.assumingMemoryBound(to: CChar.self),
                        bytes.count, expiration ?? Self.expiration(lifetime), 0
                    )
                }
            }
        }
    }

    private func withBytes<Result>(_ key: String, _ body: (UnsafePointer<CChar>, Int) -> Result) -> Result {
        var key = key
        return key.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { body($0.baseAddress!, $0.count) }
        }
    }

    private func withKeyPointers<Result>(
        _ keys: [String],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var storage: [CChar] = []
        storage.reserveCapacity(keys.reduce(0) { $0 + $1.utf8.count })
        var lengths: [Int] = []
        lengths.reserveCapacity(keys.count)
        for key in keys {
            storage.append(contentsOf: key.utf8.map { CChar(bitPattern: $0) })
            lengths.append(key.utf8.count)
        }
        return storage.withUnsafeBufferPointer { buffer in
            var pointers: [UnsafePointer<CChar>?] = []
            pointers.reserveCapacity(keys.count)
            var offset = 0
            for length in lengths {
                pointers.append(buffer.baseAddress.map { $0 + offset })
                offset += length
            }
            return body(pointers, lengths)
        }
    }

    /// A `CacheError` for a libmemcached return code: `valueTooLarge` for a value over the server's
    /// item size, `invalidKey` for a key the server refused, `backendUnavailable` otherwise.
    private func error(_ code: memcached_return_t, _ doing: String) -> CacheError {
        let detail = String(cString: memcached_strerror(handle, code))
        // The handle's last error has the server's own words, when it holds one: some refusals
        // (E2BIG) leave it at SUCCESS, and then the code's text is all there is.
        let last = memcached_last_error(handle) == MEMCACHED_SUCCESS
            ? detail : memcached_last_error_message(handle).map { String(cString: $0) } ?? detail
        switch code {
        case MEMCACHED_E2BIG:
            return CacheError(.valueTooLarge, "memcached refused the value as larger than its item size while \(doing) (\(last))")
        case MEMCACHED_SERVER_ERROR where last.contains("too large"):
            return CacheError(.valueTooLarge, "memcached refused the value as larger than its item size while \(doing) (\(last))")
        case MEMCACHED_BAD_KEY_PROVIDED, MEMCACHED_KEY_TOO_BIG:
            return CacheError(.invalidKey, "memcached refused the key while \(doing) (\(last))")
        default:
            return CacheError(.backendUnavailable, "memcached failed while \(doing): \(last)")
        }
    }

    private static func milliseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000))
    }

    /// A lifetime in the form memcached takes: 0 for none, and lifetimes over 30 days as absolute
    /// Unix times, since memcached reads those as such.
    static func expiration(_ lifetime: Duration?) -> time_t {
        guard let lifetime else { return 0 }
        let seconds = time_t(lifetime.components.seconds)
        return seconds > 30 * 24 * 3600 ? time(nil) + seconds : seconds
    }
}
