import ServiceLifecycle

extension MemcachedBackend: Service {
    /// Runs the backend as a ServiceLifecycle `Service`: waits for the `ServiceGroup`'s graceful
    /// shutdown (or for cancellation), then shuts the backend down (``shutdown()``): the calls
    /// already made finish, the connections close and the worker threads exit, and `run()` returns
    /// when they have.
    ///
    /// List the backend before the regions and the server that use it: a group shuts its services
    /// down last to first, so the backend still serves their last writes.
    public func run() async throws {
        // Thrown only when the task is cancelled: then too the backend shuts down.
        try? await gracefulShutdown()
        await shutdown()
    }
}
