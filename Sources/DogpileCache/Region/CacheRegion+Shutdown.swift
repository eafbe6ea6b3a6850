extension CacheRegion {
    /// Ends the region's background work, for a graceful shutdown: from now on no creation starts in
    /// the background (a caller that regenerates a stale value waits for the new one, as without
    /// background refresh, and eager refreshes are skipped), then waits for the creations running
    /// now to finish and store their values. Returns when they have, or at once when the calling task
    /// is cancelled (the creations go on).
    ///
    /// The region stays usable: requests still being served get their values. Calling it again
    /// waits for the creations running then. `CacheRegionService`, in the `DogpileServiceLifecycle`
    /// module, calls it when a ServiceLifecycle `ServiceGroup` shuts down gracefully.
    public nonisolated(nonsending) func shutdown() async {
        let running = flightTable.withLock { $0.beginShutdown() }
        for flight in running {
            _ = try? await flight.wait()
        }
    }

    /// Whether ``shutdown()`` was called.
    public nonisolated var isShutDown: Bool {
        flightTable.withLock { $0.isShuttingDown }
    }
}
