// Counts every heap allocation of the test binary that includes it (once, in its one source
// file), so that a test can show that a stretch of calls allocates nothing:
//   const auto before = vrtc_test::allocations.load();  ...  CHECK(vrtc_test::allocations.load() == before);
// The replaced operators keep one heap (malloc/free) for every form Catch2 and the standard
// library use, so sanitizers see matching allocation and deallocation.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace vrtc_test {
inline std::atomic<std::size_t> allocations{0};
}  // namespace vrtc_test

void* operator new(std::size_t n) {
  vrtc_test::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  vrtc_test::allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n == 0 ? 1 : n);
}
// g++ sees the replaced new only as "new" and free() here as a mismatch: both are these.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpragmas"
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop
