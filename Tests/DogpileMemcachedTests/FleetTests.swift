import DogpileCache
import DogpileCacheTesting
import Foundation
import Testing

/// Two processes sharing one memcached (issue: many processes, one cache), each a
/// `dogpile-fleet-node` the test drives.
@Suite(.enabled(if: TestServers.enabled, "memcached not started: run scripts/test.sh"), .timeLimit(.minutes(1)))
struct FleetTests {
    private func nodes(region: String) throws -> (FleetNodeProcess, FleetNodeProcess) {
        let server = try TestServers.first()
        let address = "\(server.host):\(server.port)"
        return (try FleetNodeProcess(server: address, region: region), try FleetNodeProcess(server: address, region: region))
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
        #expect(try await a.ask("seed \(key) old 60") == "seeded")
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
}
