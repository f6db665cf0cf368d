// vrtc: errc, the library's one set of error codes. The std::error_code interop is
// vrtc/core/error_code.hpp, so that code which only returns an errc does not pay for <string>
// and <system_error>.
#pragma once

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

VRTC_END_NAMESPACE
