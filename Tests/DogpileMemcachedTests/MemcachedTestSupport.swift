import DogpileCache
import DogpileMemcached
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The memcached servers `scripts/test.sh` started for the tests, and the binary to start more.
enum TestServers {
    /// `DOGPILE_MEMCACHED_SERVERS`, as the script exported it.
    static let shared: String? = ProcessInfo.processInfo.environment["DOGPILE_MEMCACHED_SERVERS"]
    /// The memcached binary, for tests that start, stop and freeze servers of their own.
    static let binary = ProcessInfo.processInfo.environment["DOGPILE_MEMCACHED_BINARY"] ?? "/usr/bin/memcached"
    /// Whether the memcached suites run: when the script started servers, and always in CI, where a
    /// missing server then fails the tests instead of skipping them.
    static let enabled = shared != nil || ProcessInfo.processInfo.environment["CI"] == "true"

    /// The first shared server.
    static func first() throws -> MemcachedBackend.Server {
        try all()[0]
    }

    /// Every shared server.
    static func all() throws -> [MemcachedBackend.Server] {
        guard let shared else {
            throw CacheError(.backendUnavailable, "no memcached server: run scripts/test.sh, which starts them")
        }
        return try MemcachedBackend.Configuration(url: shared).servers
    }

    /// A backend on the first shared server with short timeouts.
    static func backend(_ adjust: (inout MemcachedBackend.Configuration) -> Void = { _ in }) throws -> MemcachedBackend {
        var configuration = MemcachedBackend.Configuration(servers: [try first()])
        configuration.poolSize = 2
        adjust(&configuration)
        return try MemcachedBackend(configuration: configuration)
    }
}

/// A key no other test uses.
func uniqueKey(_ name: String) -> String {
    "test:\(name):\(UInt64.random(in: 0...UInt64.max))"
}

/// A memcached process of a test's own, on a free loopback port, that the test can stop, restart
/// and freeze.
final class MemcachedProcess: @unchecked Sendable {
    // @unchecked: only the test that owns it calls its methods, one at a time.
    let port: Int
    private let extraArguments: [String]
    private var process: Process?

    /// Starts memcached and returns once it accepts connections.
    init(port: Int? = nil, extraArguments: [String] = []) async throws {
        self.port = try port ?? Self.freePort()
        self.extraArguments = extraArguments
        try await start()
    }

    deinit {
        stop()
    }

    /// The server's address for a configuration.
    var server: MemcachedBackend.Server { .init(host: "127.0.0.1", port: port) }

    /// Starts the server (again) on its port and waits until it accepts connections.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestServers.binary)
        var arguments = ["-l", "127.0.0.1", "-p", "\(port)", "-U", "0", "-m", "64"] + extraArguments
        if getuid() == 0 {
            arguments += ["-u", "nobody"]
        }
        process.arguments = arguments
        try process.run()
        self.process = process
        for _ in 0..<500 {
            if Self.accepts(port: port) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw CacheError(.backendUnavailable, "memcached did not start on port \(port)")
    }

    /// Kills the server.
    func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    /// Freezes the server: it keeps its connections but answers nothing. Returns once the process
    /// is stopped (a signal is delivered asynchronously; until then the server may still answer).
    func freeze() {
        guard let process else { return }
        kill(process.processIdentifier, SIGSTOP)
        while !Self.isStopped(process.processIdentifier) {
            sched_yield()
        }
    }

    /// Whether `/proc` shows the process stopped by a signal (state `T`).
    private static func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ", options: .backwards)
        else { return false }
        return stat[afterName.upperBound...].first == "T"
    }

    /// Lets a frozen server run again.
    func thaw() {
        if let process { kill(process.processIdentifier, SIGCONT) }
    }

    /// The server's `stats` counters.
    func stats() throws -> [String: String] {
        try Self.stats(port: port)
    }

    /// The `stats` counters of the server on `port`.
    static func stats(port: Int) throws -> [String: String] {
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
    static func remainingLifetime(of key: String, port: Int) throws -> Int? {
        let answer = try command("mg \(key) t\r\nmn\r\n", port: port, until: "MN\r\n")
        guard let line = answer.split(separator: "\r\n").first, line.hasPrefix("HD ") || line.hasPrefix("VA ") else { return nil }
        return line.split(separator: " ").first { $0.hasPrefix("t") }.flatMap { Int($0.dropFirst()) }
    }

    /// Sends `text` over a new connection and returns what the server answers up to `terminator`.
    static func command(_ text: String, port: Int, until terminator: String = "END\r\n") throws -> String {
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
    static func freePort() throws -> Int {
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
