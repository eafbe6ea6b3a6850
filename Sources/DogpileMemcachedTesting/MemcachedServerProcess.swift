import DogpileCache
import DogpileMemcached
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A memcached process of its own, on a free loopback port, that a test or a tool can stop, restart
/// and freeze, and a few text-protocol commands to ask it what it holds.
///
/// Its methods block the calling thread while a signal is delivered or the process exits (a few
/// milliseconds); call them from a test or a tool's control task, not from a hot path.
public final class MemcachedServerProcess: Sendable {
    /// The loopback port the server listens on, kept across restarts.
    public let port: Int
    private let binary: String
    private let extraArguments: [String]
    /// The running process. `Process` is a class the lock hands to one caller at a time; no method
    /// waits on it while holding the lock.
    private let process = Mutex<Process?>(nil)

    /// Starts memcached and returns once it accepts connections.
    ///
    /// - Parameters:
    ///   - binary: The memcached executable.
    ///   - port: The port to listen on; a free one when `nil`.
    ///   - extraArguments: More command-line options (e.g. `["-I", "1m"]`).
    public init(binary: String, port: Int? = nil, extraArguments: [String] = []) async throws {
        self.binary = binary
        self.port = try port ?? Self.freePort()
        self.extraArguments = extraArguments
        try await start()
    }

    deinit {
        stop()
    }

    /// The server's address for a configuration.
    public var server: MemcachedBackend.Server { .init(host: "127.0.0.1", port: port) }

    /// The process id of the running server, `nil` while it is stopped.
    public var processIdentifier: Int32? {
        process.withLock { $0?.processIdentifier }
    }

    /// Starts the server (again) on its port and waits until it accepts connections.
    public func start() async throws {
        let started = Process()
        started.executableURL = URL(fileURLWithPath: binary)
        var arguments = ["-l", "127.0.0.1", "-p", "\(port)", "-U", "0", "-m", "64"] + extraArguments
        if getuid() == 0 {
            arguments += ["-u", "nobody"]
        }
        started.arguments = arguments
        try started.run()
        process.withLock { $0 = started }
        for _ in 0..<500 {
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CacheError(.backendUnavailable, "memcached did not start on port \(port)")
    }

    /// Kills the server (SIGKILL: it loses everything it held) and waits until it has exited.
    public func stop() {
        guard let stopped = process.withLock({ $0.take() }), stopped.isRunning else { return }
        kill(stopped.processIdentifier, SIGKILL)
        stopped.waitUntilExit()
    }

    /// Freezes the server: it keeps its connections but answers nothing. Returns once the process
    /// is stopped (a signal is delivered asynchronously; until then the server may still answer).
    public func freeze() {
        guard let pid = processIdentifier else { return }
        kill(pid, SIGSTOP)
        while !Self.isStopped(pid) {
            sched_yield()
        }
    }

    /// Lets a frozen server run again.
    public func thaw() {
        if let pid = processIdentifier { kill(pid, SIGCONT) }
    }

    /// The server's `stats` counters.
    public func stats() throws -> [String: String] {
        try Self.stats(port: port)
    }

    /// Whether `/proc` shows the process stopped by a signal (state `T`).
    private static func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else { return false }
        return stat[afterName.upperBound...].first == "T"
    }

    /// The `stats` counters of the server on `port`.
    public static func stats(port: Int) throws -> [String: String] {
        var stats: [String: String] = [:]
        for line in try command("stats\r\n", port: port).split(separator: "\r\n") {
            let fields = line.split(separator: " ")
            if fields.count == 3, fields[0] == "STAT" {
                stats[String(fields[1])] = String(fields[2])
            }
        }
        return stats
    }

    /// The seconds the server on `port` says `key` has left to live, by its own clock: `nil` when
    /// it holds no such key, -1 for a key that never expires (a meta get, `mg key t`).
    public static func remainingLifetime(of key: String, port: Int) throws -> Int? {
        let answer = try command("mg \(key) t\r\nmn\r\n", port: port, until: "MN\r\n")
        guard let line = answer.split(separator: "\r\n").first, line.hasPrefix("HD ") || line.hasPrefix("VA ") else { return nil }
        return line.split(separator: " ").first { $0.hasPrefix("t") }.flatMap { Int($0.dropFirst()) }
    }

    /// The live keys of the server on `port` that start with `prefix`, each with its value as text
    /// (`lru_crawler metadump all`, then a `get` of each, so a key that expired meanwhile is left
    /// out).
    public static func liveValues(prefix: String, port: Int) throws -> [String: String] {
        var keys: [String] = []
        for line in try command("lru_crawler metadump all\r\n", port: port).split(separator: "\n") {
            guard line.hasPrefix("key=") else { continue }
            let field = line.dropFirst(4).prefix { $0 != " " }
            let key = String(field).removingPercentEncoding ?? String(field)
            if key.hasPrefix(prefix) { keys.append(key) }
        }
        var values: [String: String] = [:]
        for key in keys {
            // VALUE <key> <flags> <bytes>\r\n<data>\r\nEND\r\n
            let lines = try command("get \(key)\r\n", port: port).split(separator: "\r\n", omittingEmptySubsequences: false)
            if lines.count >= 2, lines[0].hasPrefix("VALUE ") {
                values[key] = String(lines[1])
            }
        }
        return values
    }

    /// Sends `text` over a new connection and returns what the server answers up to `terminator`.
    public static func command(_ text: String, port: Int, until terminator: String = "END\r\n") throws -> String {
        let socket = try connect(port: port)
        defer { close(socket) }
        _ = text.withCString { send(socket, $0, strlen($0), 0) }
        var answer = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !answer.ends(with: Array(terminator.utf8)) {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            answer += buffer[0..<count]
        }
        return String(decoding: answer, as: UTF8.self)
    }

    private static func accepts(port: Int) -> Bool {
        guard let socket = try? connect(port: port) else { return false }
        close(socket)
        return true
    }

    private static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(socket)
            throw CacheError(.backendUnavailable, "nothing listens on port \(port)")
        }
        return socket
    }

    /// A port no process listens on now.
    public static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        guard bound else { throw CacheError(.backendUnavailable, "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}

extension Array where Element: Equatable {
    fileprivate func ends(with suffix: [Element]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
