@testable import DogpileCache
import Testing

@Suite struct FlightWaitersTests {
    @Test func waitersAreResumedOnceOnCompletion() {
        var machine = FlightWaiters<String, Int>()
        let first = machine.makeWaiterID()
        let second = machine.makeWaiterID()
        guard case .suspend = machine.register(first, continuation: "a", isCancelled: false) else {
            Issue.record("first waiter should suspend")
            return
        }
        guard case .suspend = machine.register(second, continuation: "b", isCancelled: false) else {
            Issue.record("second waiter should suspend")
            return
        }
        #expect(machine.complete(with: .success(42)).sorted() == ["a", "b"])
        #expect(machine.complete(with: .success(43)).isEmpty)
        #expect(machine.waiterCount == 0)
    }

    @Test func waiterArrivingAfterCompletionGetsTheResultAtOnce() {
        var machine = FlightWaiters<String, Int>()
        _ = machine.complete(with: .success(7))
        let id = machine.makeWaiterID()
        guard case .resume(.success(let value)) = machine.register(id, continuation: "late", isCancelled: false) else {
            Issue.record("late waiter should resume at once")
            return
        }
        #expect(value == 7)
    }

    @Test func cancelledWaiterIsRemovedAndNotResumedAgain() {
        var machine = FlightWaiters<String, Int>()
        let id = machine.makeWaiterID()
        _ = machine.register(id, continuation: "w", isCancelled: false)
        #expect(machine.cancel(id) == "w")
        #expect(machine.cancel(id) == nil)
        #expect(machine.complete(with: .success(1)).isEmpty)
    }

    @Test func cancellationBeforeRegistrationIsSeen() {
        var machine = FlightWaiters<String, Int>()
        let id = machine.makeWaiterID()
        #expect(machine.cancel(id) == nil)
        guard case .cancel = machine.register(id, continuation: "w", isCancelled: true) else {
            Issue.record("a waiter whose task is cancelled must not suspend")
            return
        }
        #expect(machine.waiterCount == 0)
    }
}
