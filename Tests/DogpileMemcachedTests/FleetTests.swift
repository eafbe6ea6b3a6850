import DogpileCache
import DogpileCacheTesting
import Foundation
import Testing

/// Two or three processes sharing one memcached (issue: many processes, one cache), each a
/// `dogpile-fleet-node` the test drives. One test at a time: the Zipf load's processes take both
/// cores, and would slow the others' nodes for nothing.
@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .serialized, .timeLimit(.minutes(1)))
struct FleetTests {
    /// A node on the first test server.
    private func node(region: String, options: [String] = []) throws -> FleetNodeProcess {
        let server = try TestServers.first()
        return try FleetNodeProcess(server: "\(server.host):\(server.port)", region: region, options: options)
    }

    private func nodes(region: String, options: [String] = []) throws -> (FleetNodeProcess, FleetNodeProcess) {
        (try node(region: region, options: options), try node(region: region, options: options))
    }

    @Test("two processes, 100 callers each, one missing key: one creator call in all")
    func oneCreatorAcrossProcesses() async throws {
        let (a, b) = try nodes(region: "fleet-single")
        let key = uniqueKey("fleet-single")
        a.send("load \(key) 100")
        // A's creator holds the key's lock across processes until released.
        try await waitUntil { try await a.ask("locked \(key)") == "locked true" }
        b.send("load \(key) 100")
        #expect(try await a.ask("release") == "released")
        let answerA = try await a.nextAnswer()
        // B's callers waited for A's lock and read A's value; were a creator of B's waiting, this
        // releases it too.
        b.send("release")
        let answersB = [try await b.nextAnswer(), try await b.nextAnswer()].sorted()
        #expect(answersB[1] == "released")
        let answerB = answersB[0]
        #expect(answerA.hasPrefix("loaded values=created-") && answerA.hasSuffix(" creators=1"), "\(answerA)")
        // Every caller of both processes got the one value A created, and B created nothing.
        #expect(answerB == answerA.replacingOccurrences(of: "creators=1", with: "creators=0"), "\(answerB)")
        await a.quit()
        await b.quit()
    }

    @Test("while process A regenerates a stale value, process B's callers get it without waiting")
    func staleServedAcrossProcesses() async throws {
        let (a, b) = try nodes(region: "fleet-stale")
        let key = uniqueKey("fleet-stale")
        #expect(try await a.ask("seed \(key) old 600") == "seeded")
        a.send("load \(key) 1")
        try await waitUntil { try await b.ask("locked \(key)") == "locked true" }
        // A's creator is still held: B answers from the stale value, creating nothing.
        #expect(try await b.ask("load \(key) 100") == "loaded values=old creators=0")
        #expect(try await a.ask("release") == "released")
        let answerA = try await a.nextAnswer()
        #expect(answerA.hasPrefix("loaded values=created-") && answerA.hasSuffix(" creators=1"), "\(answerA)")
        await a.quit()
        await b.quit()
    }

    /// B's answer to 100 concurrent reads of `key` after A's `invalidation`: B first reads the
    /// seeded value (tagged `tags`) fresh, A invalidates, and B's creator is held until
    /// `waitedFor` holds for B. `untouched`, seeded beside `key`, is read fresh by B again after.
    private func readAfterInvalidation(
        _ invalidation: String,
        tags: String = "",
        untouched: (key: String, tags: String)? = nil,
        waitedFor: (_ key: String, FleetNodeProcess, FleetNodeProcess) async throws -> Bool
    ) async throws -> String {
        let (a, b) = try nodes(region: uniqueKey("fleet-invalidation"))
        let key = uniqueKey("fleet-invalidation")
        #expect(try await a.ask("seed \(key) old 1 \(tags)") == "seeded")
        #expect(try await b.ask("load \(key) 1") == "loaded values=old creators=0")
        if let untouched {
            #expect(try await a.ask("seed \(untouched.key) old 1 \(untouched.tags)") == "seeded")
        }
        #expect(try await a.ask(invalidation) == "invalidated")
        b.send("load \(key) 100")
        try await waitUntil { try await waitedFor(key, a, b) }
        #expect(try await b.ask("release") == "released")
        let answer = try await b.nextAnswer()
        if let untouched {
            // Read fresh, so B's count of creator calls stays the one of `key`.
            #expect(try await b.ask("load \(untouched.key) 10") == "loaded values=old creators=1")
        }
        await a.quit()
        await b.quit()
        return answer
    }

    /// Whether B's creator holds `key`'s lock.
    private func creatorRuns(_ key: String, a: FleetNodeProcess, b: FleetNodeProcess) async throws -> Bool {
        try await a.ask("locked \(key)") == "locked true"
    }

    @Test("after process A invalidates hard, process B's next read of an older value is a miss")
    func hardInvalidationAcrossProcesses() async throws {
        let answer = try await readAfterInvalidation("invalidate hard") { key, a, b in
            try await creatorRuns(key, a: a, b: b)
        }
        // Every caller waited for B's one creator: none was served the old value.
        #expect(answer.hasPrefix("loaded values=created-") && !answer.contains("old") && answer.hasSuffix(" creators=1"), "\(answer)")
    }

    @Test("after process A invalidates soft, process B's next read of an older value is stale")
    func softInvalidationAcrossProcesses() async throws {
        // 99 callers are served the old value while B's one creator is held.
        let answer = try await readAfterInvalidation("invalidate soft") { _, _, b in
            try await b.ask("finished") == "finished 99"
        }
        #expect(answer.hasPrefix("loaded values=created-") && answer.hasSuffix(",old creators=1"), "\(answer)")
    }

    @Test("after process A invalidates a tag, process B's next read of an older value with it is a miss")
    func tagInvalidationAcrossProcesses() async throws {
        let answer = try await readAfterInvalidation(
            "invalidate-tag news hard", tags: "news,sport", untouched: (uniqueKey("fleet-untagged"), "sport")
        ) { key, a, b in
            try await creatorRuns(key, a: a, b: b)
        }
        #expect(answer.hasPrefix("loaded values=created-") && !answer.contains("old") && answer.hasSuffix(" creators=1"), "\(answer)")
    }

    @Test("process B's local tier serves a value A invalidated until B's check interval passes, then not", arguments: ["invalidate hard", "invalidate-tag news hard"])
    func localTierLearnsWithinTheCheckInterval(invalidation: String) async throws {
        let (a, b) = try nodes(region: uniqueKey("fleet-local"), options: ["--local", "--frozen-clock"])
        let key = uniqueKey("fleet-local")
        #expect(try await a.ask("seed \(key) old 1 news") == "seeded")
        #expect(try await b.ask("get \(key)") == "value old")
        #expect(try await a.ask(invalidation) == "invalidated")
        // B's clock stands still: it read the records at this very time, so its local tier serves.
        #expect(try await b.ask("get \(key)") == "value old")
        #expect(try await b.ask("advance 0.999") == "advanced")
        #expect(try await b.ask("get \(key)") == "value old")
        // One check interval after B's last read of the records, B reads memcached and learns.
        #expect(try await b.ask("advance 0.001") == "advanced")
        #expect(try await b.ask("get \(key)") == "miss")
        await a.quit()
        await b.quit()
    }

    @Test("a local tier of 1,000 entries under a Zipf load never serves a value invalidated more than the check interval ago")
    func localTierUnderZipfLoad() async throws {
        let region = uniqueKey("fleet-zipf")
        // A invalidates; B and C read with local tiers (1,000 entries, the default 1 s check
        // interval), each recording every read. B reads 4,000 keys, so its tier evicts and B reads
        // memcached, and with it the records, all the time: it learns by the records read with
        // values. C reads 200 keys, which its tier holds: it reads memcached mostly when its records
        // are older than the interval.
        let (b, c) = try nodes(region: region, options: ["--local"])
        let a = try node(region: region)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueKey("fleet-zipf"))
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let readers = [(node: b, keys: 4_000), (node: c, keys: 200)].enumerated().map { index, reader in
            (reader.node, reader.keys, path: directory.appendingPathComponent("reads-\(index)").path)
        }
        // Every node answers before the load starts: none is still starting.
        for node in [a, b, c] {
            #expect(try await node.ask("finished") == "finished 0")
        }
        for (node, keys, path) in readers {
            node.send("zipf \(keys) 2 \(path)")
        }

        // While they read, A invalidates every 250 ms: the region every 1.5 s, a tag in between (a
        // tag invalidation is judged alone for the 1.25 s before the next region one): a tag of an
        // eighth of the keys, or the own tag of one of the four most read keys, which the local
        // tiers always hold, in turn. Then the readers read for one more interval.
        var invalidations: [FleetReadChecker.Invalidation] = []
        for count in 0..<20 {
            try await Task.sleep(for: .milliseconds(250))
            let tag = count % 6 == 0 ? nil : count % 2 == 0 ? "tag-\(count % 8)" : "key-\(count / 2 % 4)"
            let start = Date().timeIntervalSince1970
            #expect(try await a.ask(tag.map { "invalidate-tag \($0) hard" } ?? "invalidate hard") == "invalidated")
            invalidations.append(.init(tag: tag, start: start, done: Date().timeIntervalSince1970))
        }
        try await Task.sleep(for: .seconds(1.5))
        for (node, _, _) in readers {
            #expect(try await node.ask("stop") == "stopping")
        }
        let checker = FleetReadChecker(invalidations: invalidations, checkInterval: 1)
        for (node, keys, path) in readers {
            let answer = try await node.nextAnswer()
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            let reads = lines.compactMap(FleetReadChecker.Read.init(line:))
            #expect(answer == "zipf reads=\(lines.count)")
            #expect(reads.count == lines.count, "reads that failed: \(lines.filter { FleetReadChecker.Read(line: $0) == nil }.prefix(3))")
            let verdict = checker.judge(reads)
            #expect(
                verdict.violations.isEmpty,
                "\(verdict.violations.count) reads of \(keys) keys served a value invalidated more than 1 s before, such as \(verdict.violations.prefix(3))"
            )
            // The load ran across the invalidations. (The check fails with thousands of violations
            // when the local tier trusts its records for three intervals instead of one, and with
            // about a hundred when it serves a value whose tag records are due.)
            #expect(verdict.readsAfterAnInvalidation > 100, "\(verdict)")
        }
        await a.quit()
        await b.quit()
        await c.quit()
    }
}
