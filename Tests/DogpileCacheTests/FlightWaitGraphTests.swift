@testable import DogpileCache
import Testing

@Suite struct FlightWaitGraphTests {
    final class Flight {}
    /// Kept alive so the three identifiers differ.
    let flights = [Flight(), Flight(), Flight()]
    var a: ObjectIdentifier { ObjectIdentifier(flights[0]) }
    var b: ObjectIdentifier { ObjectIdentifier(flights[1]) }
    var c: ObjectIdentifier { ObjectIdentifier(flights[2]) }

    @Test func waitingOnYourOwnFlightDeadlocks() {
        let graph = FlightWaitGraph()
        #expect(graph.wouldDeadlock(waitingOn: a, from: [a]))
        #expect(!graph.wouldDeadlock(waitingOn: a, from: [b]))
        #expect(!graph.wouldDeadlock(waitingOn: a, from: []))
    }

    @Test func cyclesThroughOtherCreatorsAreFound() {
        var graph = FlightWaitGraph()
        graph.addWait(on: b, from: [a])  // a's creator waits on b
        graph.addWait(on: c, from: [b])  // b's creator waits on c
        #expect(graph.wouldDeadlock(waitingOn: a, from: [c]))  // c waiting on a closes a → b → c → a
        #expect(!graph.wouldDeadlock(waitingOn: c, from: [a]))  // a waiting on c too is no cycle
    }

    @Test func removedWaitsNoLongerCount() {
        var graph = FlightWaitGraph()
        graph.addWait(on: b, from: [a])
        graph.addWait(on: b, from: [a])
        graph.removeWait(on: b, from: [a])
        #expect(graph.wouldDeadlock(waitingOn: a, from: [b]))
        graph.removeWait(on: b, from: [a])
        #expect(!graph.wouldDeadlock(waitingOn: a, from: [b]))
        #expect(graph.isEmpty)
    }
}
