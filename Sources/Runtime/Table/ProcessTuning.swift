#if canImport(Glibc)
import Glibc
#endif

/// Settings an executable applies to its own process before any analysis runs. Library code
/// never calls this; `lart` and `lart-bench` call it first thing in `main`, as R sets up its
/// own memory manager at start-up.
///
/// The allocator (glibc malloc, Linux only; a no-op elsewhere):
///
/// - By default glibc serves every block above its mmap threshold (128 KiB, raised as mapped
///   blocks are freed, to at most 32 MiB) with a fresh `mmap` and unmaps it on `free`, and
///   gives the top of the heap back to the system once more than the trim threshold is
///   free there. An analysis at 10^6 to 10^7 rows makes and frees many column-sized
///   temporaries (8 to 80 MB: sort keys, positions, sorted copies), so each of them would
///   be paid for again in page faults and zeroing of new pages.
/// - `M_MMAP_MAX = 0` keeps every block in the heap, so a freed array is reused for the next
///   one; the threshold itself cannot be raised past 32 MiB through `mallopt` on 64-bit
///   glibc, hence this setting rather than the threshold. Threads with their own arena
///   still fall back to `mmap` for a block larger than their arena can grow to.
/// - `M_TRIM_THRESHOLD = Int32.max` (2 GiB, the largest `mallopt` takes) keeps freed memory
///   at the top of the heap for the next analysis instead of returning it after each one.
///   The resident set stays at the session's peak (up to 2 GiB of it free) until exit.
///
/// Measured with `lart-bench --measure bench/out/cohort-<rows>.csv` (glibc 2.36, 2 CPUs,
/// best of 3 per step; the same settings applied through GLIBC_TUNABLES before this call
/// existed), default -> these settings:
///
///   10^7 rows: Cox (Efron, 5 covariates, concordance) 6.97 -> 5.7 s, log-rank 0.33 -> 0.19,
///              cuminc 1.03 -> 0.57, KM 0.205 -> 0.148; peak RSS 1452 -> 1575 MiB (2.29x
///              the raw columns, within the 3x budget).
///   10^6 rows: Cox 0.445 -> 0.377 s, log-rank 0.026 -> 0.019, cuminc 0.079 -> 0.058;
///              peak RSS 165 -> 167 MiB.
///
/// A trim threshold of 1 GiB gave Cox at 10^7 6.0-6.2 s (part of the fit's memory handed
/// back and faulted in again); a 64 MiB top pad, or transparent huge pages for the heap,
/// made no difference worth the setting (huge pages slowed the CSV load).
public enum ProcessTuning {
    /// Applies the allocator settings above. Call once, at the start of `main`, before
    /// other threads exist. Returns false if glibc refused a setting (the process then
    /// runs with glibc's defaults for it, which is slower but correct).
    @discardableResult
    public static func configureAllocator() -> Bool {
        #if canImport(Glibc)
        // <malloc.h> is not part of Swift's Glibc module: find `int mallopt(int, int)` in the
        // process's global symbols and call it with the C convention. The parameter numbers
        // are glibc's ABI (malloc.h): M_TRIM_THRESHOLD -1, M_MMAP_MAX -4.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let process = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(process) }
        guard let symbol = dlsym(process, "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapMax: Int32 = -4, trimThreshold: Int32 = -1
        let mapped = mallopt(mmapMax, 0)
        let trim = mallopt(trimThreshold, Int32.max)
        return mapped == 1 && trim == 1
        #else
        return true
        #endif
    }
}
