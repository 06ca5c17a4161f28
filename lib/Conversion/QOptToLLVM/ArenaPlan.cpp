#include "ArenaPlan.h"

#include <algorithm>
#include <numeric>

namespace mlir::qopt::lowering {

static int64_t align64(int64_t v) { return (v + 63) / 64 * 64; }

int64_t planArena(std::vector<ArenaItem> &items) {
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
             [&](size_t a, size_t b) {
               return items[a].first != items[b].first ? items[a].first < items[b].first : a < b;
             });
  std::vector<size_t> placed;
  int64_t total = 0;
  for (size_t i : order) {
    ArenaItem &item = items[i];
    int64_t size = align64(std::max<int64_t>(item.bytes, 1));
    // The live buffers that overlap in time, by offset: take the first gap that fits.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (size_t j : placed)
      if (items[j].first <= item.last && item.first <= items[j].last)
        busy.push_back({items[j].offset, items[j].offset + align64(std::max<int64_t>(items[j].bytes, 1))});
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (auto [begin, end] : busy) {
      if (offset + size <= begin)
        break;
      offset = std::max(offset, end);
    }
    item.offset = offset;
    total = std::max(total, offset + size);
    placed.push_back(i);
  }
  return total;
}

} // namespace mlir::qopt::lowering
