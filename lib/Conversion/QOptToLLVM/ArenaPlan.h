// Placement of a model's intermediate buffers in one arena, by liveness.
//
// Buffers live over an interval of op positions (inclusive). Two buffers whose intervals overlap
// never overlap in memory; others may share it. Offsets are 64-byte aligned, the alignment the
// kernels' vector loads want. Greedy first fit in order of definition: not optimal, but simple,
// deterministic and within a few percent of the peak live size on chains of layers.
#ifndef QOPT_LIB_CONVERSION_QOPTTOLLVM_ARENAPLAN_H
#define QOPT_LIB_CONVERSION_QOPTTOLLVM_ARENAPLAN_H

#include <cstdint>
#include <vector>

namespace mlir::qopt::lowering {

struct ArenaItem {
  int64_t bytes = 0;
  int64_t first = 0, last = 0; // op positions, inclusive
  int64_t offset = -1;         // set by planArena
};

/// Sets every item's offset and returns the arena size (a multiple of 64).
int64_t planArena(std::vector<ArenaItem> &items);

} // namespace mlir::qopt::lowering

#endif
