import Synchronization

/// A request to stop a running analysis (Ctrl-C). The owner (the REPL, `lart run`) makes
/// one and hands it to the interpreter, which passes it into the estimators through their
/// options; their long loops call `check()` between steps and throw `Cancelled`.
///
/// Besides `cancel()`, it can poll a flag it does not own (`polling:`): a signal handler can
/// only reach global state, so the shell keeps one atomic flag for SIGINT and the
/// cancellation reads it. Nothing here is global.
public final class Cancellation: Sendable {
    private let flag = Atomic<Bool>(false)
    private let external: (@Sendable () -> Bool)?

    public init(polling external: (@Sendable () -> Bool)? = nil) { self.external = external }

    public func cancel() { flag.store(true, ordering: .relaxed) }

    public var isCancelled: Bool { flag.load(ordering: .relaxed) || (external?() ?? false) }

    /// Forget an earlier request (before the next statement runs).
    public func reset() { flag.store(false, ordering: .relaxed) }

    /// Throws `Cancelled` when a stop was asked for.
    public func check() throws {
        if isCancelled { throw Cancelled() }
    }
}

/// The error a cancelled analysis throws.
public struct Cancelled: Error, Sendable, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}
