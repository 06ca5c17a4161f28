// Memory settings for qopt's command-line tools (never the runtime library, which lives in its
// users' processes and leaves their allocator alone).
#ifndef QOPT_SUPPORT_TOOLMEMORY_H
#define QOPT_SUPPORT_TOOLMEMORY_H

#include <cstddef> // defines __GLIBC__ (features.h) on glibc systems
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace mlir::qopt {

/// Keeps freed memory in the process for the next allocation instead of giving it back to the
/// kernel. A compile runs the reference executor over the same weights several times
/// (calibration, the per-layer error, the comparison, the report), and each run allocated
/// megabyte tensors that glibc served with fresh mmap'ed pages and unmapped on free: every run
/// page-faulted and zero-filled all of them again. A 10-layer 1024-wide int8 MLP spent 1.6 s of
/// its 5.3 s CPU time in the kernel; with this, 0.6 s of 3.4 s. Allocations past 32 MiB (glibc's
/// largest threshold) are still mapped directly.
inline void keepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

} // namespace mlir::qopt

#endif
