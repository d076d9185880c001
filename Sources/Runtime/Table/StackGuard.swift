#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Tells a recursive walk that the current thread's stack is nearly used up, so it can stop
/// with an error instead of crashing. The fixed nesting limits (`Parser.maxDepth`) bound the
/// depth, but how many bytes a level takes depends on the build (debug frames are several
/// times larger) and the thread (the main thread has 8 MiB, pool threads may have 512 KiB);
/// this guard is the backstop that holds whatever the thread. It asks the system for the
/// stack's bounds once, on first use, and after that compares one address.
public struct StackGuard: Sendable {
    /// Lowest usable address (the stack grows down), with `reserve` bytes kept free for the
    /// error path and the walks that run after it.
    private var floor: UInt?
    private let reserve: UInt

    public init(reserve: Int = 128 * 1024) { self.reserve = UInt(reserve) }

    /// True when less than `reserve` bytes of stack are left on this thread.
    public mutating func exhausted() -> Bool {
        var marker: UInt8 = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        if floor == nil { floor = StackGuard.stackFloor(near: here).map { $0 + reserve } ?? 0 }
        return here < floor!
    }

    private static func stackFloor(near here: UInt) -> UInt? {
        #if canImport(Glibc)
        // pthread_getattr_np is a GNU extension the Glibc module does not declare: look it up.
        typealias GetAttr = @convention(c) (pthread_t, UnsafeMutablePointer<pthread_attr_t>) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pthread_getattr_np") else { return nil }
        let getattr = unsafeBitCast(symbol, to: GetAttr.self)
        var attr = pthread_attr_t()
        guard getattr(pthread_self(), &attr) == 0 else { return nil }
        defer { pthread_attr_destroy(&attr) }
        var base: UnsafeMutableRawPointer? = nil
        var size = 0
        guard pthread_attr_getstack(&attr, &base, &size) == 0, let base else { return nil }
        let low = UInt(bitPattern: base)
        // Sanity: the address we are at lies in the reported stack.
        guard here >= low, here <= low + UInt(size) else { return nil }
        return low
        #else
        let top = UInt(bitPattern: pthread_get_stackaddr_np(pthread_self()))
        let size = UInt(pthread_get_stacksize_np(pthread_self()))
        return top - size
        #endif
    }
}
