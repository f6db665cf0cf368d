// vrtc: the alarm of one alarm-capable virtio-rtc clock, as a device-side state machine.
//
// Sans-I/O: every input is a clock reading (nanoseconds of the alarm's own clock) handed in by
// the caller; the machine only records what it implies. The rules are those of virtio 1.4
// §5.23.6.6 (alarm model) and §5.23.6.6.1 (device requirements):
//
//  * An expiration happens when, while enabled, the clock goes from before the alarm time to
//    the alarm time or later (progress or a step); when SET_ALARM stores a time that is not in
//    the future and enables; when the alarm is enabled while its time is not in the future;
//    and on a device reset with a retained, enabled alarm whose time is not in the future.
//  * Each expiration is served by exactly one NOTIF_ALARM. A newer expiration makes the older
//    one obsolete, so at most one notification is pending per alarm.
//  * A pending expiration becomes obsolete (and is dropped) when the driver disables the alarm
//    or sets an alarm time, and when the clock steps back before the alarm time. Dropping
//    happens inside the call that processes the request, i.e. before the response is written.
#pragma once

#include <cstdint>
#include <optional>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

/// What happens to alarm time and enable state on a device reset (§5.23.6.6: the device MAY
/// retain them; if it does not, they go back to time 0, disabled).
enum class alarm_retention : unsigned char {
  retain,  ///< keep time and enable state (boot-time alarms stay visible to the next driver)
  clear,   ///< reset to alarm_time 0, disabled
};

/// One clock's alarm. All operations are constexpr and O(1). Every mutator returns whether it
/// was an expiration event, so a device serving several alarms can order their notifications
/// (device.hpp numbers the events as they happen).
class alarm_state {
 public:
  constexpr alarm_state() noexcept = default;

  /// The alarm time in nanoseconds of the clock (0 initially).
  [[nodiscard]] constexpr std::uint64_t alarm_time() const noexcept { return alarm_time_; }
  /// Whether the alarm is enabled (false initially).
  [[nodiscard]] constexpr bool enabled() const noexcept { return enabled_; }
  /// Whether an expiration waits for its NOTIF_ALARM.
  [[nodiscard]] constexpr bool notification_pending() const noexcept { return pending_; }
  /// Number of expiration events so far (each one may also trigger host actions, e.g. a wake-up).
  [[nodiscard]] constexpr std::uint64_t expirations() const noexcept { return expirations_; }
  /// The last clock reading this machine saw.
  [[nodiscard]] constexpr std::uint64_t last_reading() const noexcept { return last_reading_; }

  /// The clock reading at which the alarm will next expire through clock progress, if any.
  [[nodiscard]] constexpr std::optional<std::uint64_t> next_expiry_reading() const noexcept {
    if (enabled_ && last_reading_ < alarm_time_) return alarm_time_;
    return std::nullopt;
  }

  /// Feeds a fresh reading of the clock. Returns true when this is an expiration event
  /// (enabled, and the clock went from before the alarm time to at or after it). A reading
  /// before the alarm time makes a pending expiration obsolete: the clock stepped back.
  constexpr bool observe(std::uint64_t reading) noexcept {
    bool expired = false;
    if (reading < alarm_time_) {
      pending_ = false;
    } else if (enabled_ && last_reading_ < alarm_time_) {
      expire();
      expired = true;
    }
    last_reading_ = reading;
    return expired;
  }

  /// VIRTIO_RTC_REQ_SET_ALARM at clock reading `reading`. Any alarm_time is accepted
  /// (§5.23.6.6.2.2). Returns true when setting expires the alarm at once.
  constexpr bool set(std::uint64_t time, bool enable, std::uint64_t reading) noexcept {
    pending_ = false;  // obsolete: the driver set an alarm time (and maybe disabled it)
    alarm_time_ = time;
    enabled_ = enable;
    last_reading_ = reading;
    if (enable && reading >= time) {
      expire();
      return true;
    }
    return false;
  }

  /// VIRTIO_RTC_REQ_SET_ALARM_ENABLED at clock reading `reading`; keeps the alarm time.
  /// Enabling an alarm whose time is not in the future is an expiration event, also when the
  /// alarm was already enabled (the driver "sets the alarm to enabled"). Returns true then.
  constexpr bool set_enabled(bool enable, std::uint64_t reading) noexcept {
    last_reading_ = reading;
    enabled_ = enable;
    if (!enable) {
      pending_ = false;  // §5.23.6.6.1: stop serving before the response buffer is used
      return false;
    }
    if (reading >= alarm_time_) {
      expire();
      return true;
    }
    return false;
  }

  /// A device reset at clock reading `reading`. Notifications not yet sent belong to the old
  /// alarmq and are dropped; a retained, enabled alarm whose time is not in the future expires
  /// anew. Returns true when the reset is an expiration event.
  constexpr bool reset(alarm_retention retention, std::uint64_t reading) noexcept {
    pending_ = false;
    last_reading_ = reading;
    if (retention == alarm_retention::clear) {
      alarm_time_ = 0;
      enabled_ = false;
      return false;
    }
    if (enabled_ && reading >= alarm_time_) {
      expire();
      return true;
    }
    return false;
  }

  /// Marks the pending expiration as served (its NOTIF_ALARM has been written).
  constexpr void notification_sent() noexcept { pending_ = false; }

 private:
  constexpr void expire() noexcept {
    pending_ = true;  // replaces an older pending expiration, which is now obsolete
    ++expirations_;
  }

  std::uint64_t alarm_time_ = 0;
  std::uint64_t last_reading_ = 0;
  std::uint64_t expirations_ = 0;
  bool enabled_ = false;
  bool pending_ = false;
};

VRTC_END_NAMESPACE
