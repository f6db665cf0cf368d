// vmclock: the device side — publishing a structure under the seqlock, as a hypervisor (or a
// test standing in for one) does.
//
// One update is
//
//   seq_count = odd (relaxed);  release fence;  relaxed stores of the fields;
//   seq_count = odd + 1 (release)
//
// The release fence orders the odd store before every field store: a reader whose loads see
// any new field value is then guaranteed (through its own acquire fence) to see the odd or a
// later seq_count, and retries. A release *store* of the odd value would not do this — it orders
// earlier accesses only. The final release store publishes the fields with the even value.
// There must be one writer per region; readers may be anywhere.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>

#include "vrtc/core/config.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/time.hpp"
#include "vmclock/abi.hpp"
#include "vmclock/page_access.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

/// Sets counter_period_frac_sec and counter_period_shift for a counter running at `hz`, with
/// the best precision the fields allow (1 GHz -> shift 29, 0x89705F4136B4A597).
/// errc::invalid_argument for hz < 2.
constexpr result<void> set_counter_frequency(page_data& page, std::uint64_t hz) noexcept {
  const result<counter_period> period = best_counter_period(hz);
  if (!period) return period.error();
  page.counter_period_frac_sec = period->frac_sec;
  page.counter_period_shift = period->shift;
  return {};
}

/// Publishes page contents into writable shared memory. Keeps the published values so that
/// the disruption helpers can change one field and republish the rest unchanged.
class writer {
 public:
  /// Takes over `region` (at least abi_size bytes, aligned to region_alignment; otherwise
  /// errc::buffer_too_small / errc::invalid_argument) and publishes `initial` with one seqlock
  /// update, continuing from the seq_count already in the region. initial.seq_count is ignored.
  [[nodiscard]] static result<writer> create(std::span<std::byte> region, const page_data& initial) noexcept {
    if (region.size() < abi_size) return errc::buffer_too_small;
    if (reinterpret_cast<std::uintptr_t>(region.data()) % region_alignment != 0) return errc::invalid_argument;
    writer w(region, initial);
    w.seq_ = detail::load_relaxed<std::uint32_t>(region.data(), seq_offset);
    w.publish(initial);
    return w;
  }

  /// One seqlock update that writes every field of `page` (except seq_count, which the writer
  /// owns). A seq_count left odd by an interrupted writer is completed, not doubled.
  void publish(const page_data& page) noexcept {
    std::byte* const base = region_.data();
    const std::uint32_t odd = seq_ | 1u;
    detail::store_field<std::uint32_t>(base, seq_offset, odd, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    detail::store_fields_relaxed(base, abi_size, page);
    const std::uint32_t even = odd + 1;  // wraps from 0xffffffff to 0, still even
    detail::store_field<std::uint32_t>(base, seq_offset, even, std::memory_order_release);
    seq_ = even;
    state_ = page;
    state_.seq_count = even;
  }

  /// The counter may have been disrupted (live migration, a host clock step): a new
  /// disruption_marker, so that guests drop any calibration against the old counter.
  void mark_disruption() noexcept {
    page_data next = state_;
    ++next.disruption_marker;
    publish(next);
  }

  /// The guest was loaded from saved state (snapshot restore, clone): a new disruption_marker and
  /// a new vm_generation_counter. Live migration alone is mark_disruption().
  void mark_snapshot_restore() noexcept {
    page_data next = state_;
    ++next.disruption_marker;
    ++next.vm_generation_counter;
    publish(next);
  }

  /// What was published last (seq_count included).
  [[nodiscard]] const page_data& published() const noexcept { return state_; }

 private:
  static constexpr std::size_t seq_offset = layout_of<&page_data::seq_count>.offset;

  writer(std::span<std::byte> region, const page_data& initial) noexcept : region_(region), state_(initial) {}

  std::span<std::byte> region_;
  page_data state_;
  std::uint32_t seq_ = 0;
};

}  // namespace vmclock
VRTC_END_NAMESPACE
