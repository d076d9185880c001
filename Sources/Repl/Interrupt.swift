@preconcurrency import Glibc
import Runtime
import Synchronization

/// SIGINT while a statement runs. A signal handler can reach only global state, so this
/// one flag is global (an atomic: the handler stores, the interpreter's `Cancellation`
/// loads); it is the only mutable global of the shell besides readline's own callbacks.
let interruptRequested = Atomic<Bool>(false)
/// True while readline reads a line: Ctrl-C then edits the line instead of cancelling.
let readingLine = Atomic<Bool>(false)

/// The cancellation a session's interpreter checks: it reads the SIGINT flag.
func signalCancellation() -> Cancellation {
    Cancellation(polling: { interruptRequested.load(ordering: .relaxed) })
}

/// `lart run` and piped input: the first Ctrl-C asks the running analysis to stop (it stops
/// within a Newton step or a stage and the run exits 130); a second one, for code that does
/// not check (reading a huge file), ends the process at once with 130.
private func onRunSIGINT(_ signal: Int32) {
    if interruptRequested.exchange(true, ordering: .relaxed) { _exit(130) }
}

func installRunInterruptHandler() {
    signal(SIGINT, onRunSIGINT)
    unblockSIGINT()
}

/// A parent may start us with SIGINT blocked (some process launchers do): a handler is
/// then never called, so unblock it.
func unblockSIGINT() {
    var set = sigset_t()
    sigemptyset(&set)
    sigaddset(&set, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &set, nil)
}

/// Exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
extension ExitStatus {
    static let interrupted: Int32 = 130
}
