import Testing
import Runtime

/// The allocator settings the executables apply at start-up.
struct ProcessTuningTests {
    @Test func allocatorSettingsAccepted() {
        // On glibc the two mallopt calls must be found and accepted; elsewhere a no-op.
        #expect(ProcessTuning.configureAllocator())
        // Allocation still works afterwards, including a block above glibc's 32 MiB mmap limit.
        var big = [Double](repeating: 1, count: 5_000_000)
        big[4_999_999] = 2
        #expect(big.reduce(0, +) == 5_000_001)
    }
}
