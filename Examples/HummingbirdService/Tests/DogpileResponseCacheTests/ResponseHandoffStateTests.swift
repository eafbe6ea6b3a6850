@testable import DogpileResponseCache
import Testing

/// The handoff's rules, event by event, with plain values for the continuations.
@Suite struct ResponseHandoffStateTests {
    typealias State = ResponseHandoffState<String, String>

    @Test func theCreatorCalledFirstMakesTheRequestCreate() {
        var state = State()
        guard case .resumeParent(nil) = state.creatorStarted("creator") else {
            Issue.record("the creator should wait, with no parent to resume yet")
            return
        }
        #expect(state.waitForRole("parent") == .create)
        #expect(state.lookupEnded() == nil)
        #expect(state.deliver() == "creator")
    }

    @Test func aWaitingParentIsResumedWhenTheCreatorStarts() {
        var state = State()
        #expect(state.waitForRole("parent") == nil)
        guard case .resumeParent("parent") = state.creatorStarted("creator") else {
            Issue.record("the waiting parent should be resumed")
            return
        }
        #expect(state.role == .create)
        #expect(state.deliver() == "creator")
    }

    @Test func aLookupEndingWithoutTheCreatorServesTheRequest() {
        var state = State()
        #expect(state.waitForRole("parent") == nil)
        #expect(state.lookupEnded() == "parent")
        #expect(state.role == .served)
        // A creator started after that (its creation outlived the request) fails at once.
        guard case .failCreator("late") = state.creatorStarted("late") else {
            Issue.record("a late creator should fail")
            return
        }
    }

    @Test func aLookupEndedBeforeTheParentWaitsServesItAtOnce() {
        var state = State()
        #expect(state.lookupEnded() == nil)
        #expect(state.waitForRole("parent") == .served)
    }
}
