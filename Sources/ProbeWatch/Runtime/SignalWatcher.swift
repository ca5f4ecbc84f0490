import CLinux
import Glibc

/// Turns SIGTERM/SIGINT/SIGHUP into a readable file descriptor, so the single poll() loop handles them
/// between events instead of interrupting a half-written record.
public final class SignalWatcher {
    public let fileDescriptor: Int32

    public init(signals: [Int32]) throws {
        var set = sigset_t()
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
        guard pthread_sigmask(SIG_BLOCK, &set, nil) == 0 else { throw SystemError("pthread_sigmask") }
        fileDescriptor = signalfd(-1, &set, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        guard fileDescriptor >= 0 else { throw SystemError("signalfd") }
    }

    deinit {
        close(fileDescriptor)
    }

    /// The signals that arrived since the last call.
    public func pending() -> [Int32] {
        var signals: [Int32] = []
        var info = signalfd_siginfo()
        while Glibc.read(fileDescriptor, &info, MemoryLayout<signalfd_siginfo>.size)
            == MemoryLayout<signalfd_siginfo>.size
        {
            signals.append(Int32(info.ssi_signo))
        }
        return signals
    }
}
