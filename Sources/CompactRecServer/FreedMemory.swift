import CMalloc

/// Keeps a long-running server's resident memory at what it uses, across reloads (glibc only;
/// nothing elsewhere).
///
/// A reload reads a whole new model while the old one still serves, then frees the old one. Two
/// things of glibc's malloc keep that freed memory resident: it raises its mmap threshold each time
/// a large mapped block is freed, so later tables and scratch come from its heaps; and it returns a
/// heap's free pages only from the top. Measured on the Beauty SASRec model under load at 64
/// connections (2026-12-07, a reload every 10 s for two minutes): resident memory went from 113
/// to 181 MiB (196 at its peak) with neither remedy, and from 101 to 108 MiB with both.
public enum FreedMemory {
    /// Blocks of 128 KiB or more are always mapped, and unmapped when freed. Call once, first
    /// thing in the process (`compactrec serve` does): the server keeps its scratch between
    /// requests, so no request pays for a mapping.
    public static func keepLargeBlocksMapped() {
        #if os(Linux)
        _ = mallopt(M_MMAP_THRESHOLD, 128 << 10)
        #endif
    }

    /// Gives the free pages inside malloc's heaps back to the system (`malloc_trim`); called when
    /// a replaced model is freed.
    static func returnToSystem() {
        #if os(Linux)
        _ = malloc_trim(0)
        #endif
    }
}
