// vmclock read cost against its baselines, in one binary so the ratios come from one run:
//   BM_vmclock_now            reader::now() on a page mapped PROT_READ from a memfd, using the
//                             time as seconds and nanoseconds (what clock_gettime gives)
//   BM_vmclock_now_bounds     the same plus both error bounds, computed from the sample
//   BM_vmclock_now_utc        reader::now() and the time as a UTC instant (the page is TAI)
//   BM_vmclock_now_reading    reader::now() and sample.reading(): every value computed
//   BM_counter_read           the ordered counter read now() performs inside the window
//   BM_clock_gettime_realtime clock_gettime(CLOCK_REALTIME) through the vDSO
//   BM_syscall_clock_gettime  the same as a real system call (what any ioctl costs at least)
#include <vrtc/core/counter.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/reader.hpp>
#include <vmclock/writer.hpp>

#include <benchmark/benchmark.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <optional>

namespace {

namespace vmc = vrtc::vmclock;

/// A page published by a writer through a read-write mapping of a memfd, and read through a
/// separate read-only mapping, as a guest reads /dev/vmclock0.
struct mapped_page {
  int fd = -1;
  void* rw = MAP_FAILED;
  void* ro = MAP_FAILED;
  std::optional<vmc::reader> reader;

  mapped_page() {
    fd = memfd_create("vmclock-bench", 0);
    if (fd < 0 || ftruncate(fd, 4096) != 0) std::abort();
    rw = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    ro = mmap(nullptr, 4096, PROT_READ, MAP_SHARED, fd, 0);
    if (rw == MAP_FAILED || ro == MAP_FAILED) std::abort();
    vmc::page_data p;
    const auto id = vrtc::hardware_counter_id();
    p.counter_id = id ? static_cast<vmc::counter_id>(*id) : vmc::counter_id::invalid;
    p.time_type = vmc::time_type::tai;
    p.flags = vmc::flag::tai_offset_valid | vmc::flag::time_maxerror_valid | vmc::flag::period_maxerror_valid |
              vmc::flag::time_esterror_valid | vmc::flag::period_esterror_valid | vmc::flag::vm_gen_counter_present;
    p.clock_status = vmc::clock_status::synchronized;
    p.tai_offset_sec = -37;
    if (!vmc::set_counter_frequency(p, 2'600'000'000)) std::abort();
    p.counter_period_esterror_rate_frac_sec = 0x901d7cf73ab;
    p.counter_period_maxerror_rate_frac_sec = 0x1c25c26849768;
    p.counter_value = vrtc::hardware_counter().value_or(0);
    p.time_sec = 1'700'000'000;
    p.time_esterror_nanosec = 1'000;
    p.time_maxerror_nanosec = 50'000;
    if (!vmc::writer::create(std::span<std::byte>(static_cast<std::byte*>(rw), 4096), p)) std::abort();
    const auto r = vmc::reader::open(std::span<const std::byte>(static_cast<const std::byte*>(ro), 4096));
    if (!r) std::abort();
    reader = *r;
  }
};

mapped_page& page() {
  static mapped_page p;
  return p;
}

void BM_vmclock_now(benchmark::State& state) {
  const vmc::reader& r = *page().reader;
  if (!r.now()) {
    state.SkipWithError("now() failed (no counter on this platform?)");
    return;
  }
  for (auto _ : state) {
    const auto t = r.now();
    if (!t) {
      state.SkipWithError("now() failed");
      break;
    }
    std::uint64_t sec = t->time().sec;
    std::uint64_t nsec = t->nanoseconds();
    benchmark::DoNotOptimize(sec);
    benchmark::DoNotOptimize(nsec);
  }
}
BENCHMARK(BM_vmclock_now);

void BM_vmclock_now_bounds(benchmark::State& state) {
  const vmc::reader& r = *page().reader;
  if (!r.now()) {
    state.SkipWithError("now() failed (no counter on this platform?)");
    return;
  }
  for (auto _ : state) {
    const auto t = r.now();
    if (!t) {
      state.SkipWithError("now() failed");
      break;
    }
    std::uint64_t sec = t->time().sec;
    std::uint64_t nsec = t->nanoseconds();
    std::optional<std::uint64_t> est = t->est_error_ns();
    std::optional<std::uint64_t> max = t->max_error_ns();
    benchmark::DoNotOptimize(sec);
    benchmark::DoNotOptimize(nsec);
    benchmark::DoNotOptimize(est);
    benchmark::DoNotOptimize(max);
  }
}
BENCHMARK(BM_vmclock_now_bounds);

void BM_vmclock_now_utc(benchmark::State& state) {
  const vmc::reader& r = *page().reader;
  if (!r.now()) {
    state.SkipWithError("now() failed (no counter on this platform?)");
    return;
  }
  for (auto _ : state) {
    const auto t = r.now();
    if (!t) {
      state.SkipWithError("now() failed");
      break;
    }
    const auto utc = t->utc();
    benchmark::DoNotOptimize(utc);
  }
}
BENCHMARK(BM_vmclock_now_utc);

void BM_vmclock_now_reading(benchmark::State& state) {
  const vmc::reader& r = *page().reader;
  if (!r.now()) {
    state.SkipWithError("now() failed (no counter on this platform?)");
    return;
  }
  for (auto _ : state) {
    const auto t = r.now();
    if (!t) {
      state.SkipWithError("now() failed");
      break;
    }
    const vmc::clock_reading reading = t->reading();
    benchmark::DoNotOptimize(reading);
  }
}
BENCHMARK(BM_vmclock_now_reading);

void BM_counter_read(benchmark::State& state) {
#if defined(__x86_64__) || defined(__aarch64__)
  for (auto _ : state) {
    auto c = vrtc::read_hardware_counter();
    benchmark::DoNotOptimize(c);
  }
#else
  state.SkipWithError("no hardware counter on this platform");
#endif
}
BENCHMARK(BM_counter_read);

void BM_clock_gettime_realtime(benchmark::State& state) {
  for (auto _ : state) {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_clock_gettime_realtime);

void BM_syscall_clock_gettime(benchmark::State& state) {
  for (auto _ : state) {
    timespec ts{};
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
    benchmark::DoNotOptimize(ts);
  }
}
BENCHMARK(BM_syscall_clock_gettime);

}  // namespace
