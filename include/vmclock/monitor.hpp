// vmclock: disruption tracking — turning the page's markers into one-shot events.
//
// disruption_marker changes whenever the counter relation may have been broken (live
// migration, snapshot restore): anything calibrated against the old counter (NTP/PTP state,
// a cached offset) must be dropped. vm_generation_counter (when flag bit 8 announces it)
// changes only when the guest was loaded from saved state: the moment to regenerate UUIDs,
// reseed random number generators and reconnect. The monitor remembers both and reports each
// change exactly once; the DISRUPTION_SOON / DISRUPTION_IMMINENT flags are reported as they
// stand in every observation. Sans-I/O: feed it snapshots from a reader.
#pragma once

#include <cstdint>
#include <optional>

#include "vrtc/core/config.hpp"
#include "vmclock/abi.hpp"

VRTC_BEGIN_NAMESPACE
namespace vmclock {

/// What one observation found.
struct disruption_events {
  bool disrupted = false;            ///< disruption_marker differs from the last observation
  bool restored = false;             ///< vm_generation_counter differs from the last observation
  bool disruption_soon = false;      ///< flag DISRUPTION_SOON is set now (about a day ahead)
  bool disruption_imminent = false;  ///< flag DISRUPTION_IMMINENT is set now (about an hour ahead)

  /// True when the caller has something to act on now.
  [[nodiscard]] constexpr bool any_change() const noexcept { return disrupted || restored; }
  friend constexpr bool operator==(const disruption_events&, const disruption_events&) = default;
};

class monitor {
 public:
  /// Records the page's markers. The first observation (and the first one that carries a
  /// vm_generation_counter) only sets the baseline: there is nothing earlier to compare with.
  constexpr disruption_events observe(std::uint64_t disruption_marker,
                                      std::optional<std::uint64_t> vm_generation_counter,
                                      std::uint64_t flags) noexcept {
    disruption_events e;
    e.disruption_soon = (flags & flag::disruption_soon) != 0;
    e.disruption_imminent = (flags & flag::disruption_imminent) != 0;
    if (marker_ && *marker_ != disruption_marker) e.disrupted = true;
    marker_ = disruption_marker;
    if (vm_generation_counter && generation_ && *generation_ != *vm_generation_counter) e.restored = true;
    generation_ = vm_generation_counter;
    return e;
  }

  /// observe() with the fields of a consistent snapshot (reader::read()).
  constexpr disruption_events observe(const page_data& page) noexcept {
    return observe(page.disruption_marker,
                   page.has_vm_generation_counter() ? std::optional<std::uint64_t>(page.vm_generation_counter)
                                                    : std::nullopt,
                   page.flags);
  }

  /// The marker values of the last observation (empty before the first).
  [[nodiscard]] constexpr std::optional<std::uint64_t> disruption_marker() const noexcept { return marker_; }
  [[nodiscard]] constexpr std::optional<std::uint64_t> vm_generation_counter() const noexcept { return generation_; }

 private:
  std::optional<std::uint64_t> marker_;
  std::optional<std::uint64_t> generation_;
};

}  // namespace vmclock
VRTC_END_NAMESPACE
