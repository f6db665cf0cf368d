// vrtc: the portable library in one include (convenience only; no other header includes it).
// The Linux edge (vrtc/linux, vmclock/linux), the conformance kits and the fmt formatters are
// separate targets and are not part of it. Neither is the std::chrono interop
// (vrtc/core/chrono.hpp) nor the std::error_code interop (vrtc/core/error_code.hpp): like the
// fmt formatters they are adapters to another library, and <chrono>, <string> and
// <system_error> would cost more to compile than the rest of the umbrella.
#pragma once

// shared core
#include "vrtc/core/bytes.hpp"
#include "vrtc/core/civil.hpp"
#include "vrtc/core/config.hpp"
#include "vrtc/core/counter.hpp"
#include "vrtc/core/field_table.hpp"
#include "vrtc/core/leap.hpp"
#include "vrtc/core/result.hpp"
#include "vrtc/core/sha1.hpp"
#include "vrtc/core/smear.hpp"
#include "vrtc/core/time.hpp"
#include "vrtc/core/u128.hpp"

// formats
#include "vrtc/format/any_message.hpp"
#include "vrtc/format/cmos_rtc.hpp"
#include "vrtc/format/messages.hpp"
#include "vrtc/format/protocol.hpp"
#include "vrtc/format/sbuf.hpp"
#include "vrtc/format/vhost_user.hpp"
#include "vrtc/format/vm_event.hpp"
#include "vmclock/abi.hpp"
#include "vmclock/monitor.hpp"
#include "vmclock/page_access.hpp"
#include "vmclock/reader.hpp"
#include "vmclock/writer.hpp"

// roles
#include "vrtc/roles/alarm.hpp"
#include "vrtc/roles/clocks.hpp"
#include "vrtc/roles/device.hpp"
#include "vrtc/roles/driver.hpp"
#include "vrtc/roles/in_memory_transport.hpp"
#include "vrtc/roles/leap_clocks.hpp"
#include "vrtc/roles/leap_table.hpp"
#include "vrtc/roles/rtc_change.hpp"
#include "vrtc/roles/transport.hpp"
#include "vrtc/roles/virtqueue.hpp"
#include "vrtc/roles/virtqueue_driver.hpp"
