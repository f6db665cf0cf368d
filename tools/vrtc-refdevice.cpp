// vrtc-refdevice: the reference virtio-rtc device (simulated clocks and time) speaking the
// conformance runner's framing on standard input and output (docs/conformance.md).
//
//   vrtc-conformance -- vrtc-refdevice
//   vrtc-conformance -- vrtc-refdevice --fault einval-for-unknown-clock
#include <vrtc/conformance/framing.hpp>
#include <vrtc/conformance/reference_device.hpp>

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "support/cli.hpp"

namespace {

using namespace vrtc;
using namespace vrtc::conformance;

constexpr const char* usage_text =
    "usage: vrtc-refdevice [--fault NAME] [--no-alarm] [--clear-alarms-on-reset] [--hooks LIST]\n"
    "       vrtc-refdevice --list-faults\n"
    "\n"
    "Serves the reference virtio-rtc device over the vrtc-conformance framing on stdin/stdout.\n";

bool read_exact(int fd, std::byte* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

bool write_all(int fd, const std::vector<std::byte>& bytes) {
  const std::byte* p = bytes.data();
  std::size_t n = bytes.size();
  while (n > 0) {
    const ssize_t r = ::write(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "vrtc-refdevice: %s\n", message.c_str());
  return 2;
}

std::optional<std::uint32_t> parse_hooks(std::string_view list) {
  if (list == "none") return 0u;
  std::uint32_t hooks = 0;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    if (name == "reset") hooks |= hook_reset;
    else if (name == "negotiate") hooks |= hook_negotiate;
    else if (name == "advance") hooks |= hook_advance;
    else if (name == "step") hooks |= hook_step;
    else if (name == "alarmq") hooks |= hook_alarmq;
    else return std::nullopt;
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
  }
  return hooks;
}

}  // namespace

int main(int argc, char** argv) {
  reference_options options;
  std::uint32_t hooks = known_hooks;
  std::string fault, hook_list;
  bool no_alarm = false, clear_alarms = false, list_faults = false;
  CLI::App app(usage_text, "vrtc-refdevice");
  vrtc_tools::setup(app);
  const CLI::Option* fault_opt =
      app.add_option("--fault", fault, "Break one requirement on purpose (see --list-faults)")->type_name("NAME");
  app.add_flag("--no-alarm", no_alarm, "Do not offer VIRTIO_RTC_F_ALARM");
  app.add_flag("--clear-alarms-on-reset", clear_alarms, "Reset alarms to time 0, disabled, on a device reset");
  const CLI::Option* hooks_opt = app.add_option("--hooks", hook_list,
      "Announce only these hooks (comma-separated: reset, negotiate, advance, step, alarmq; \"none\" for none); "
      "default: all")->type_name("LIST");
  app.add_flag("--list-faults", list_faults, "Print the names of the faults and exit");
  if (const auto done = vrtc_tools::parse(app, argc, argv, [](const std::string& why) { fail(why); })) return *done;
  if (list_faults) {
    for (const fault_name& f : fault_names) std::printf("%.*s\n", static_cast<int>(f.name.size()), f.name.data());
    return 0;
  }
  if (no_alarm) options.offer_alarm = false;
  if (clear_alarms) options.retention = alarm_retention::clear;
  if (fault_opt->count() > 0) {
    const auto f = fault_from_name(fault);
    if (!f) return fail("unknown fault '" + fault + "' (see --list-faults)");
    options.broken = *f;
  }
  if (hooks_opt->count() > 0) {
    const auto h = parse_hooks(hook_list);
    if (!h) return fail("bad hook list '" + hook_list + "'");
    hooks = *h;
  }

  reference_device dev(options);
  std::vector<std::byte> frame;
  for (;;) {
    std::array<std::byte, 4> head{};
    if (!read_exact(0, head.data(), head.size())) return fail("input ended without a bye record");
    const std::uint32_t length = load_le<std::uint32_t>(head, 0);
    if (length == 0 || length > max_record_length) return fail("bad record length " + std::to_string(length));
    frame.assign(4 + std::size_t{length}, std::byte{0});
    std::copy(head.begin(), head.end(), frame.begin());
    if (!read_exact(0, frame.data() + 4, length)) return fail("input ended inside a record");
    const auto rec = decode_record(frame);
    if (!rec) return fail(std::string("bad record: ") + to_string(rec.error()));
    const std::span<const std::byte> p = rec->payload;

    std::vector<std::byte> reply;
    auto malformed = [&] { return fail("malformed payload of record type " + std::to_string(static_cast<unsigned>(rec->type))); };
    auto unsupported = [&](std::uint32_t hook) { return (hooks & hook) == 0; };
    switch (rec->type) {
      case record_type::hello: {
        const auto h = parse_hello(p);
        if (!h) return malformed();
        if (h->version != framing_version) return fail("unsupported framing version " + std::to_string(h->version));
        reply = make_hello_reply({framing_version, dev.offered_features(), hooks});
        break;
      }
      case record_type::request: {
        const auto r = parse_request(p);
        if (!r) return malformed();
        std::vector<std::byte> writable(r->writable_size, r->fill);
        const std::size_t used = dev.handle(r->readable, writable);
        reply = make_response(static_cast<std::uint32_t>(used), writable);
        break;
      }
      case record_type::reset:
        if (!parse_empty(p) || unsupported(hook_reset)) return malformed();
        dev.reset();
        reply = make_record(record_type::reset_reply);
        break;
      case record_type::negotiate: {
        const auto n = parse_negotiate(p);
        if (!n || unsupported(hook_negotiate)) return malformed();
        dev.negotiate(n->features);
        reply = make_record(record_type::negotiate_reply);
        break;
      }
      case record_type::advance: {
        const auto a = parse_advance(p);
        if (!a || unsupported(hook_advance)) return malformed();
        dev.advance(a->nanoseconds);
        reply = make_record(record_type::advance_reply);
        break;
      }
      case record_type::step: {
        const auto s = parse_step(p);
        if (!s || unsupported(hook_step)) return malformed();
        reply = make_step_reply(dev.step(s->clock_id, s->delta));
        break;
      }
      case record_type::alarmq: {
        const auto q = parse_alarmq(p);
        if (!q || unsupported(hook_alarmq)) return malformed();
        std::vector<std::byte> buffer(q->buffer_size, q->fill);
        const std::size_t used = dev.alarmq(buffer);
        reply = make_notification(static_cast<std::uint32_t>(used), buffer);
        break;
      }
      case record_type::bye:
        if (!parse_empty(p)) return malformed();
        return write_all(1, make_record(record_type::bye_reply)) ? 0 : fail("cannot write the reply");
      default: return fail("unexpected record type " + std::to_string(static_cast<unsigned>(rec->type)));
    }
    if (!write_all(1, reply)) return fail("cannot write the reply");
  }
}
