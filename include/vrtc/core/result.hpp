// vrtc: error codes and result<T>, the return type of every operation on untrusted input.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "vrtc/core/config.hpp"

VRTC_BEGIN_NAMESPACE

/// Why an operation failed. One enum for the whole library so that callers can log and
/// compare errors uniformly; each value's meaning is listed in docs/errors.md.
enum class errc : unsigned char {
  // --- bytes and wire messages -------------------------------------------------------
  too_short = 1,         ///< the input ends before the message does
  buffer_too_small,      ///< the output span cannot hold the encoded message
  unknown_msg_type,      ///< msg_type is not one the spec defines (for this queue)
  wrong_msg_type,        ///< msg_type is valid but names a different message
  bad_status,            ///< a response status other than S_OK where a value was expected

  // --- time math -----------------------------------------------------------------------
  overflow,              ///< the exact result does not fit the destination type
  invalid_shift,         ///< a counter_period_shift that cannot give a meaningful period
  invalid_argument,      ///< an argument outside the documented domain

  // --- vmclock page --------------------------------------------------------------------
  bad_magic,             ///< magic is not "VCLK"
  bad_version,           ///< version is not 1
  bad_size,              ///< size is smaller than the fields needed, or larger than the mapping
  field_absent,          ///< the page's size does not cover a field that is needed
  retry_limit,           ///< the seqlock never stabilised within the retry bound
  timed_out,             ///< the seqlock never stabilised before the deadline
  unreliable,            ///< clock_status is UNRELIABLE
  unsupported_time_type, ///< time_type is not UTC, TAI or MONOTONIC
  counter_mismatch,      ///< counter_id is not the counter this CPU can read
  no_counter,            ///< no hardware counter is available on this platform
  no_time,               ///< the page publishes no counter relation (counter_id INVALID)
  not_found,             ///< a device node or file does not exist (ENOENT, ENODEV, ENXIO)
  permission_denied,     ///< the caller may not open or read a device node or file (EACCES, EPERM)
  map_refused,           ///< a mapping of the page was refused and no fallback was possible
  io_error,              ///< any other failed system call on a device node or file

  // --- RTC change events ---------------------------------------------------------------
  invalid_date,          ///< CMOS registers do not form a valid calendar date
  ring_full,             ///< the ring has no free slot; the element was dropped
  ring_empty,            ///< the ring holds no element
  corrupt_header,        ///< a shared-memory header fails validation

  // --- device and driver roles ---------------------------------------------------------
  device_eopnotsupp,     ///< the device answered VIRTIO_RTC_S_EOPNOTSUPP
  device_enodev,         ///< the device answered VIRTIO_RTC_S_ENODEV
  device_einval,         ///< the device answered VIRTIO_RTC_S_EINVAL
  device_eio,            ///< the device answered VIRTIO_RTC_S_EIO or an unknown status
  bad_response,          ///< a response that violates the device requirements (e.g. length)
  transport_error,       ///< the transport could not deliver a request or a response
  not_supported,         ///< the operation needs a capability the device does not have

  // --- leap-second table ---------------------------------------------------------------
  bad_leap_list,         ///< text that is not a well-formed leap-seconds.list
  bad_leap_hash,         ///< a leap-seconds.list whose data does not match its #h hash
  leap_table_expired,    ///< the instant is at or after the leap-second table's expiry

  // --- split virtqueues ----------------------------------------------------------------
  bad_queue_layout,      ///< a queue size or ring address that guest memory cannot hold
  bad_avail_index,       ///< the available index moved by more than the queue size
  bad_descriptor_index,  ///< a head or next index outside the descriptor table
  descriptor_loop,       ///< a chain longer than its table: it loops
  bad_chain_order,       ///< a device-readable buffer after a device-writable one
  bad_indirect_table,    ///< an indirect table not negotiated, nested, chained or of a bad length
  chain_too_large,       ///< a chain of more than 2^32 - 1 bytes
  bad_guest_address,     ///< a buffer outside guest memory

  // --- vhost-user ----------------------------------------------------------------------
  vhost_bad_version,        ///< a message header whose version bits are not 1
  vhost_unknown_request,    ///< a request number the codec or the session does not handle
  vhost_bad_payload_size,   ///< a payload size other than the request's layout needs
  vhost_too_many_regions,   ///< a memory table of more regions than the limit
  vhost_bad_fd_count,       ///< more or fewer file descriptors than the message carries
  vhost_unexpected_message, ///< a message the session cannot accept now (a reply, a bad order)
  vhost_bad_queue_index,    ///< a queue index the device does not have
  vhost_bad_feature,        ///< features the back-end did not offer
  vhost_bad_address,        ///< a front-end address or guest range no mapped region covers
  vhost_disconnected,       ///< the peer closed the connection
};

/// A short, stable, human-readable name for an error code.
[[nodiscard]] constexpr const char* to_string(errc e) noexcept {
  switch (e) {
    case errc::too_short: return "input too short";
    case errc::buffer_too_small: return "output buffer too small";
    case errc::unknown_msg_type: return "unknown msg_type";
    case errc::wrong_msg_type: return "wrong msg_type";
    case errc::bad_status: return "response status is not OK";
    case errc::overflow: return "arithmetic overflow";
    case errc::invalid_shift: return "invalid counter_period_shift";
    case errc::invalid_argument: return "invalid argument";
    case errc::bad_magic: return "bad magic";
    case errc::bad_version: return "unsupported version";
    case errc::bad_size: return "bad size";
    case errc::field_absent: return "field not present";
    case errc::retry_limit: return "seqlock retry limit reached";
    case errc::timed_out: return "timed out";
    case errc::unreliable: return "clock status is UNRELIABLE";
    case errc::unsupported_time_type: return "unsupported time_type";
    case errc::counter_mismatch: return "counter_id does not match this CPU's counter";
    case errc::no_counter: return "no hardware counter on this platform";
    case errc::no_time: return "no counter relation (counter_id INVALID)";
    case errc::not_found: return "not found";
    case errc::permission_denied: return "permission denied";
    case errc::map_refused: return "mapping refused";
    case errc::io_error: return "I/O error";
    case errc::invalid_date: return "invalid date";
    case errc::ring_full: return "ring full";
    case errc::ring_empty: return "ring empty";
    case errc::corrupt_header: return "corrupt header";
    case errc::device_eopnotsupp: return "device: EOPNOTSUPP";
    case errc::device_enodev: return "device: ENODEV";
    case errc::device_einval: return "device: EINVAL";
    case errc::device_eio: return "device: EIO";
    case errc::bad_response: return "malformed response";
    case errc::transport_error: return "transport error";
    case errc::not_supported: return "not supported";
    case errc::bad_leap_list: return "malformed leap-second list";
    case errc::bad_leap_hash: return "leap-second list hash mismatch";
    case errc::leap_table_expired: return "leap-second table expired";
    case errc::bad_queue_layout: return "bad virtqueue layout";
    case errc::bad_avail_index: return "available index jumped";
    case errc::bad_descriptor_index: return "descriptor index out of range";
    case errc::descriptor_loop: return "descriptor chain loops";
    case errc::bad_chain_order: return "readable buffer after a writable one";
    case errc::bad_indirect_table: return "bad indirect descriptor table";
    case errc::chain_too_large: return "descriptor chain too large";
    case errc::bad_guest_address: return "buffer outside guest memory";
    case errc::vhost_bad_version: return "vhost-user: bad version";
    case errc::vhost_unknown_request: return "vhost-user: unknown request";
    case errc::vhost_bad_payload_size: return "vhost-user: bad payload size";
    case errc::vhost_too_many_regions: return "vhost-user: too many memory regions";
    case errc::vhost_bad_fd_count: return "vhost-user: wrong number of file descriptors";
    case errc::vhost_unexpected_message: return "vhost-user: unexpected message";
    case errc::vhost_bad_queue_index: return "vhost-user: bad queue index";
    case errc::vhost_bad_feature: return "vhost-user: feature not offered";
    case errc::vhost_bad_address: return "vhost-user: address not in guest memory";
    case errc::vhost_disconnected: return "vhost-user: peer disconnected";
  }
  return "unknown error";
}

namespace detail {

// Storage for result<T>, chosen by what T allows:
//  * trivially copyable and default-constructible values (every message and snapshot type):
//    the value and the error side by side, so the optimiser keeps them in registers instead of
//    writing a union through memory and reading it back wider (a store-forwarding stall);
//  * other trivially copyable values: an all-defaulted union;
//  * everything else: hand-written special members.
// Specialisations rather than constrained special members, which clang 14 does not support.
enum class result_layout { side_by_side, trivial_union, general };

template <class T>
inline constexpr result_layout result_layout_for =
    !std::is_trivially_copyable_v<T>      ? result_layout::general
    : std::is_default_constructible_v<T> ? result_layout::side_by_side
                                          : result_layout::trivial_union;

template <class T, result_layout = result_layout_for<T>>
struct result_storage {
  constexpr explicit result_storage(const T& v) : value_(v), ok_(true) {}
  constexpr explicit result_storage(errc e) noexcept : value_(), error_(e), ok_(false) {}

  T value_;
  errc error_{};
  bool ok_;
};

template <class T>
struct result_storage<T, result_layout::trivial_union> {
  constexpr explicit result_storage(const T& v) : value_(v), ok_(true) {}
  constexpr explicit result_storage(errc e) noexcept : error_(e), ok_(false) {}

  union {
    T value_;
    errc error_;
  };
  bool ok_;
};

template <class T>
struct result_storage<T, result_layout::general> {
  constexpr explicit result_storage(const T& v) : value_(v), ok_(true) {}
  constexpr explicit result_storage(T&& v) : value_(std::move(v)), ok_(true) {}
  constexpr explicit result_storage(errc e) noexcept : error_(e), ok_(false) {}
  constexpr result_storage(const result_storage& o) : ok_(o.ok_) {
    if (ok_) std::construct_at(&value_, o.value_);
    else error_ = o.error_;
  }
  constexpr result_storage(result_storage&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : ok_(o.ok_) {
    if (ok_) std::construct_at(&value_, std::move(o.value_));
    else error_ = o.error_;
  }
  constexpr result_storage& operator=(const result_storage& o) {
    if (this != &o) assign(o);
    return *this;
  }
  constexpr result_storage& operator=(result_storage&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
    if (this != &o) assign(std::move(o));
    return *this;
  }
  constexpr ~result_storage() { destroy(); }

  union {
    T value_;
    errc error_;
  };
  bool ok_;

 private:
  constexpr void destroy() noexcept {
    if (ok_) value_.~T();
  }
  template <class Other>
  constexpr void assign(Other&& o) {
    destroy();
    ok_ = o.ok_;
    if (ok_) std::construct_at(&value_, std::forward<Other>(o).value_);
    else error_ = o.error_;
  }
};

}  // namespace detail

/// Either a T or an errc. Every accessor is constexpr; value() on an error is a contract
/// violation (checked by the caller through has_value()).
template <class T>
class [[nodiscard]] result : private detail::result_storage<T> {
  static_assert(!std::is_reference_v<T>, "result<T&> is not supported");
  using storage = detail::result_storage<T>;
  using storage::error_;
  using storage::ok_;
  using storage::value_;

 public:
  using value_type = T;

  constexpr result(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>)  // NOLINT: implicit by design
      : storage(v) {}
  constexpr result(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT
      : storage(std::move(v)) {}
  constexpr result(errc e) noexcept : storage(e) {}  // NOLINT

  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }

  [[nodiscard]] constexpr T& value() & noexcept { return value_; }
  [[nodiscard]] constexpr const T& value() const& noexcept { return value_; }
  [[nodiscard]] constexpr T&& value() && noexcept { return std::move(value_); }
  [[nodiscard]] constexpr T& operator*() & noexcept { return value_; }
  [[nodiscard]] constexpr const T& operator*() const& noexcept { return value_; }
  [[nodiscard]] constexpr T* operator->() noexcept { return &value_; }
  [[nodiscard]] constexpr const T* operator->() const noexcept { return &value_; }

  /// The error; meaningful only when !has_value().
  [[nodiscard]] constexpr errc error() const noexcept { return ok_ ? errc{} : error_; }

  /// The value, or `fallback` when this holds an error.
  template <class U>
  [[nodiscard]] constexpr T value_or(U&& fallback) const& {
    return ok_ ? value_ : static_cast<T>(std::forward<U>(fallback));
  }

  friend constexpr bool operator==(const result& a, const result& b) {
    if (a.ok_ != b.ok_) return false;
    return a.ok_ ? a.value_ == b.value_ : a.error_ == b.error_;
  }
  friend constexpr bool operator==(const result& a, errc e) { return !a.ok_ && a.error_ == e; }
};

/// result<void>: success or an errc.
template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;
  constexpr result() noexcept = default;
  constexpr result(errc e) noexcept : error_(e), ok_(false) {}  // NOLINT: implicit by design
  [[nodiscard]] constexpr bool has_value() const noexcept { return ok_; }
  constexpr explicit operator bool() const noexcept { return ok_; }
  [[nodiscard]] constexpr errc error() const noexcept { return ok_ ? errc{} : error_; }
  friend constexpr bool operator==(const result&, const result&) = default;
  friend constexpr bool operator==(const result& a, errc e) { return !a.ok_ && a.error_ == e; }

 private:
  errc error_{};
  bool ok_ = true;
};

VRTC_END_NAMESPACE
