// vrtc-ptp: the guest's PTP hardware clocks — which are paravirtual clocks (virtio-rtc,
// vmclock, ptp_kvm), how far each is from the system clock of its time scale, and the chrony
// and udev configuration that uses them.
//
//   vrtc-ptp list [--json] [--root DIR]
//   vrtc-ptp read CLOCK [--samples N] [--method auto|precise|extended|gettime] [--scale S]
//                       [--json] [--root DIR]
//   vrtc-ptp chrony CLOCK [--allow-smeared] [--poll N] [--scale S] [--root DIR]
//   vrtc-ptp udev
//
// Any failure exits with status 2 and prints one line {"error": "..."}; success exits 0.
// Library side: vrtc/linux/ptp.hpp.
#include <vrtc/linux/ptp.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/cli.hpp"
#include "support/files.hpp"

namespace {

namespace ptp = vrtc::ptp;
using vrtc_tools::fail;
using vrtc_tools::json_object;

constexpr const char* usage_text =
    "usage: vrtc-ptp list [--json] [--root DIR]\n"
    "       vrtc-ptp read CLOCK [--samples N] [--method auto|precise|extended|gettime]\n"
    "                           [--scale SCALE] [--leap-seconds LIST] [--json] [--root DIR]\n"
    "       vrtc-ptp chrony CLOCK [--allow-smeared] [--poll N] [--scale SCALE] [--root DIR]\n"
    "       vrtc-ptp udev\n"
    "\n"
    "list: the PTP hardware clocks in /sys/class/ptp (ptpN, clock_name, device node) and what\n"
    "each is: a virtio-rtc clock (\"Virtio PTP type T/variant V\": its clock type and smearing\n"
    "variant), vmclock (ptp_vmclock, \"vmclockN\"), ptp_kvm, or another clock.\n"
    "read: samples the clock (PTP_SYS_OFFSET_PRECISE2 where the driver offers it, else\n"
    "PTP_SYS_OFFSET_EXTENDED2, else clock_gettime on the clock's dynamic id) and prints its\n"
    "offset to the system clock of its time scale (TAI: CLOCK_TAI when the kernel knows its TAI\n"
    "offset, else CLOCK_REALTIME plus TAI - UTC from the leap-second list, --leap-seconds LIST,\n"
    "default /usr/share/zoneinfo/leap-seconds.list, or the built-in one; UTC and smeared UTC:\n"
    "CLOCK_REALTIME; MONOTONIC: none, the reading only) from the sample with the narrowest\n"
    "bracket, the bracket's width (delay) and an error bound (half of it). --samples N\n"
    "(1..1000, default 10); --method forces one way of reading; --scale utc|tai|monotonic|\n"
    "utc_smeared|utc_maybe_smeared says the scale of a clock vrtc does not recognize.\n"
    "chrony: a `refclock PHC` line for chrony.conf (with `tai` for a TAI clock). A smeared\n"
    "clock (UTC_SMEARED, UTC_MAYBE_SMEARED) is refused unless --allow-smeared: only a system\n"
    "that smears leap seconds itself should follow one. A MONOTONIC clock is refused.\n"
    "udev: rules that give the clocks stable names (/dev/ptp_vrtc_tai, /dev/ptp_vmclock, ...).\n"
    "\n"
    "CLOCK is /dev/ptpN (or a link to it, as the udev rules make), ptpN, or an exact\n"
    "clock_name. --root DIR looks for /sys, /dev and /proc below DIR (for a copy or a fake tree).\n"
    "JSON numbers are exact integers (nanoseconds since 1970 for times).\n"
    "\n"
    "Exit status: 0 on success, 2 on bad arguments or any failure, with {\"error\": \"...\"}.\n";

struct options {
  bool json = false;
  bool allow_smeared = false;
  std::string root = "/";
  unsigned samples = 10;
  unsigned poll = 2;
  std::optional<ptp::read_method> method;
  std::optional<ptp::time_scale> scale;
  std::string leap_list = vrtc::system_leap_seconds_list;
  std::vector<std::string> positional;
};

unsigned parse_count(std::string_view text, unsigned lo, unsigned hi, const char* what) {
  unsigned v = 0;
  if (text.empty() || text.size() > 6) fail(std::string("bad ") + what + ": \"" + ptp::printable(text) + "\"");
  for (const char c : text) {
    if (c < '0' || c > '9') fail(std::string("bad ") + what + ": \"" + ptp::printable(text) + "\"");
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v < lo || v > hi)
    fail(std::string(what) + " must be " + std::to_string(lo) + ".." + std::to_string(hi) + ", not " + std::to_string(v));
  return v;
}

ptp::time_scale parse_scale(std::string_view s) {
  for (const auto t : {ptp::time_scale::utc, ptp::time_scale::tai, ptp::time_scale::monotonic,
                       ptp::time_scale::utc_smeared, ptp::time_scale::utc_maybe_smeared}) {
    std::string name = ptp::to_string(t);
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    if (s == name) return t;
  }
  fail("bad --scale \"" + ptp::printable(s) + "\" (utc, tai, monotonic, utc_smeared, utc_maybe_smeared)");
}

/// A clock_name as printed: printable ASCII, cut to 64 bytes.
std::string shown_name(const ptp::phc_info& c) { return c.clock_name ? ptp::printable(*c.clock_name) : std::string(); }

vrtc_tools::json clock_json(const ptp::phc_info& c) {
  json_object o;
  o.add("clock", c.name).add("device", c.device_path).add("node_present", c.node_present);
  if (c.clock_name) o.add("clock_name", shown_name(c));
  else o.add_null("clock_name");
  if (!c.clock_name_problem.empty()) o.add("clock_name_problem", c.clock_name_problem);
  o.add("source", ptp::to_string(c.identity.source)).add("scale", ptp::to_string(c.identity.scale));
  if (c.identity.virtio) {
    o.add("virtio_type", unsigned{c.identity.virtio->type}).add("virtio_variant", unsigned{c.identity.virtio->variant});
    const char* t = ptp::virtio_type_name(c.identity.virtio->type);
    const char* v = ptp::virtio_variant_name(c.identity.virtio->variant);
    if (t) o.add("virtio_type_name", t);
    else o.add_null("virtio_type_name");
    if (v) o.add("virtio_variant_name", v);
    else o.add_null("virtio_variant_name");
  }
  o.add("description", c.identity.description);
  return o.value();
}

std::string kernel_text(const std::optional<ptp::kernel_version>& k) {
  return k ? std::to_string(k->major) + "." + std::to_string(k->minor) : std::string("unknown");
}

int cmd_list(const options& o) {
  if (!o.positional.empty()) fail("list takes no arguments");
  const ptp::environment env{o.root, ptp::system_calls::real()};
  const auto list = ptp::list_clocks(env);
  if (o.json) {
    vrtc_tools::json clocks = vrtc_tools::json::array();
    for (const auto& c : list.clocks) clocks.push_back(clock_json(c));
    json_object out;
    out.set("clocks", std::move(clocks)).add("kernel", kernel_text(list.kernel));
    if (!list.problem.empty()) out.add("problem", list.problem);
    std::printf("%s\n", out.str().c_str());
    return 0;
  }
  if (!list.problem.empty()) std::printf("no PTP clocks: %s\n", list.problem.c_str());
  else if (list.clocks.empty()) std::printf("no PTP clocks in /sys/class/ptp\n");
  for (const auto& c : list.clocks) {
    std::printf("%s  %s%s  \"%s\"  %s\n", c.name.c_str(), c.device_path.c_str(), c.node_present ? "" : " (no node)",
                shown_name(c).c_str(), c.identity.description.c_str());
    if (!c.clock_name_problem.empty()) std::printf("    clock_name: %s\n", c.clock_name_problem.c_str());
  }
  return 0;
}

/// The clock a command names, with its time scale (the --scale override applied).
struct chosen {
  ptp::phc_info clock;
  std::string path;
  ptp::time_scale scale = ptp::time_scale::unknown;
};

chosen choose(const options& o, const ptp::environment& env, const char* command) {
  if (o.positional.size() != 1) fail(std::string(command) + " needs exactly one CLOCK (see --help)");
  const auto list = ptp::list_clocks(env);
  const auto r = ptp::resolve(env, list, o.positional[0]);
  if (!r.clock) fail(r.problem + (list.problem.empty() ? "" : " (" + list.problem + ")"));
  chosen c{*r.clock, r.path, o.scale.value_or(r.clock->identity.scale)};
  return c;
}

std::string seconds_text(std::int64_t ns) {
  const bool negative = ns < 0;
  const std::uint64_t m = negative ? 0 - static_cast<std::uint64_t>(ns) : static_cast<std::uint64_t>(ns);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%09" PRIu64 " s", negative ? "-" : "+", m / 1'000'000'000u,
                m % 1'000'000'000u);
  return buf;
}

int cmd_read(const options& o) {
  const ptp::environment env{o.root, ptp::system_calls::real()};
  const chosen c = choose(o, env, "read");
  const vrtc_tools::open_file f(c.path, O_RDONLY, vrtc_tools::file_kinds::character_device);
  const auto r = ptp::read_samples(env.calls, f.fd(), o.samples, o.method);
  if (!r.ok()) fail(c.clock.name + ": " + r.problem);

  const ptp::system_clock target = ptp::system_clock_for(c.scale);
  int tai = 0;
  std::string note;
  bool tai_known = false;
  // The system's TAI: CLOCK_TAI when the kernel knows its offset, else CLOCK_REALTIME plus the
  // leap-second table (CLOCK_TAI would be UTC then, 37 s off).
  std::optional<ptp::tai_shift> shift;
  if (target == ptp::system_clock::tai) {
    const int e = env.calls.tai_offset(tai);
    if (e != 0) fail(std::string("cannot read the kernel's TAI offset (adjtimex): ") + std::strerror(e));
    tai_known = true;
    const std::uint64_t utc_sec = static_cast<std::uint64_t>(std::max<std::int64_t>(r.samples.front().system_before, 0)) / 1'000'000'000u;
    const vrtc::host_leap_table leaps = vrtc::load_host_leap_table(utc_sec, o.leap_list.c_str());
    shift = ptp::system_tai_shift(tai, leaps.table, utc_sec);
    if (!shift)
      note = "the kernel's TAI offset is not set and no leap-second table is current (" + vrtc::describe(leaps) +
             "), so the offset is to CLOCK_TAI, which is UTC; chrony (leapsectz) or ptp4l sets the kernel's offset";
    else if (shift->source == vrtc::tai_source::leap_table)
      note = "the kernel's TAI offset is not set, so TAI is CLOCK_REALTIME + " + std::to_string(shift->seconds) +
             " s from the leap-second table (" + vrtc::describe(leaps) + ")";
  }
  if (target == ptp::system_clock::none)
    note = c.scale == ptp::time_scale::monotonic ? "a MONOTONIC clock has no system clock to compare with"
                                                 : "time scale unknown (--scale says it): no system clock to compare with";
  const auto est = ptp::estimate_offset(r.samples, shift ? shift->seconds : 0);
  if (!est) fail(c.clock.name + ": the readings do not fit in 64-bit nanoseconds");

  if (o.json) {
    json_object out;
    out.add("clock", c.clock.name).add("device", c.path);
    if (c.clock.clock_name) out.add("clock_name", shown_name(c.clock));
    else out.add_null("clock_name");
    out.add("source", ptp::to_string(c.clock.identity.source)).add("scale", ptp::to_string(c.scale));
    out.add("method", ptp::to_string(r.method)).add("samples", static_cast<std::uint64_t>(r.samples.size()));
    vrtc_tools::json skipped = vrtc_tools::json::array();
    for (const auto& s : r.not_offered) skipped.push_back(std::string(s));
    out.set("not_offered", std::move(skipped));
    out.add("phc_ns", est->best.phc).add("realtime_before_ns", est->best.system_before)
        .add("realtime_after_ns", est->best.system_after).add("delay_ns", est->delay_ns);
    out.add("system_clock", ptp::to_string(target));
    if (target != ptp::system_clock::none) {
      out.add("system_ns", est->system_ns).add("offset_ns", est->offset_ns).add("error_bound_ns", est->error_bound_ns)
          .add("min_offset_ns", est->min_offset_ns).add("max_offset_ns", est->max_offset_ns);
    } else {
      out.add_null("system_ns").add_null("offset_ns").add_null("error_bound_ns");
    }
    if (tai_known) {
      out.add("tai_offset_s", tai).add("tai_offset_set", tai != 0);
      if (shift) out.add("tai_source", vrtc::to_string(shift->source)).add("tai_minus_utc_s", shift->seconds);
      else out.add_null("tai_source");
    }
    if (!note.empty()) out.add("note", note);
    std::printf("%s\n", out.str().c_str());
    return 0;
  }
  std::printf("%s (%s): %s\n", c.clock.name.c_str(), shown_name(c.clock).c_str(), c.clock.identity.description.c_str());
  for (const auto& s : r.not_offered) std::printf("not offered: %s\n", s.c_str());
  std::printf("method %s, %zu samples\n", ptp::to_string(r.method), r.samples.size());
  std::printf("PHC %s (%" PRId64 " ns), read within %" PRId64 " ns\n", seconds_text(est->best.phc).c_str() + 1,
              est->best.phc, est->delay_ns);
  if (target != ptp::system_clock::none) {
    std::printf("offset to %s: %s (%" PRId64 " ns) +- %" PRId64 " ns; over the samples %" PRId64 "..%" PRId64 " ns\n",
                ptp::to_string(target), seconds_text(est->offset_ns).c_str(), est->offset_ns, est->error_bound_ns,
                est->min_offset_ns, est->max_offset_ns);
  }
  if (tai_known) std::printf("kernel TAI offset: %d s\n", tai);
  if (shift) std::printf("TAI = CLOCK_REALTIME + %d s (%s)\n", shift->seconds, vrtc::to_string(shift->source));
  if (!note.empty()) std::printf("note: %s\n", note.c_str());
  return 0;
}

/// The stable name `vrtc-ptp udev` gives a clock, if any.
std::optional<std::string> stable_name(const ptp::phc_info& c) {
  if (!c.clock_name) return std::nullopt;
  for (const auto& rule : ptp::udev_rules())
    if (rule.match == *c.clock_name) return "/dev/" + rule.symlink;
  return std::nullopt;
}

int cmd_chrony(const options& o) {
  const ptp::environment env{o.root, ptp::system_calls::real()};
  const chosen c = choose(o, env, "chrony");
  const std::string given = o.positional[0];
  const std::string device = given[0] == '/' ? given : c.clock.device_path;
  switch (c.scale) {
    case ptp::time_scale::monotonic: fail(c.clock.name + " is a MONOTONIC clock: it keeps no time of day for chrony");
    case ptp::time_scale::unknown:
      fail(c.clock.name + " (\"" + shown_name(c.clock) + "\") is not a clock vrtc knows; --scale says its time scale");
    case ptp::time_scale::utc_smeared:
    case ptp::time_scale::utc_maybe_smeared:
      if (!o.allow_smeared)
        fail(c.clock.name + " is " + ptp::to_string(c.scale) +
             ": it smears leap seconds, so a system that follows it is off by up to a second around "
             "one; use it only on a system that smears too (--allow-smeared)");
      break;
    case ptp::time_scale::utc:
    case ptp::time_scale::tai: break;
  }
  std::string refid = "PHC";
  switch (c.clock.identity.source) {
    case ptp::clock_source::virtio_rtc: refid = c.scale == ptp::time_scale::tai ? "VTAI" : "VUTC"; break;
    case ptp::clock_source::vmclock: refid = "VMCK"; break;
    case ptp::clock_source::kvm: refid = "PKVM"; break;
    case ptp::clock_source::other: break;
  }
  std::printf("# %s: \"%s\", %s\n", c.clock.name.c_str(), shown_name(c.clock).c_str(), c.clock.identity.description.c_str());
  if (const auto stable = stable_name(c.clock); stable && given[0] != '/')
    std::printf("# with the rules of `vrtc-ptp udev`, %s names this clock on every boot\n", stable->c_str());
  if (c.scale == ptp::time_scale::tai)
    std::printf("# tai: chrony needs TAI - UTC from its leapsectz directive (e.g. leapsectz right/UTC)\n");
  if (ptp::is_smeared(c.scale)) std::printf("# a smeared clock: only for a system that smears leap seconds too\n");
  std::printf("refclock PHC %s poll %u dpoll -2 refid %s%s\n", device.c_str(), o.poll, refid.c_str(),
              c.scale == ptp::time_scale::tai ? " tai" : "");
  return 0;
}

int cmd_udev(const options& o) {
  if (!o.positional.empty()) fail("udev takes no arguments");
  std::printf("# udev rules for the PTP clocks of paravirtual devices (vrtc-ptp udev), e.g. as\n"
              "# /etc/udev/rules.d/70-vrtc-ptp.rules. Two devices with clocks of the same kind\n"
              "# would claim one name: the later one wins.\n");
  for (const auto& r : ptp::udev_rules()) {
    std::printf("# %s\n", r.comment.c_str());
    std::printf("SUBSYSTEM==\"ptp\", ATTR{clock_name}==\"%s\", SYMLINK+=\"%s\"\n", r.match.c_str(), r.symlink.c_str());
  }
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app(usage_text, "vrtc-ptp");
  vrtc_tools::setup(app);
  options o;
  std::string samples, poll, method, scale;
  const auto add_root = [&](CLI::App* cmd) {
    cmd->add_option("--root", o.root, "Look for /sys, /dev and /proc below DIR")->type_name("DIR");
  };
  const auto add_json = [&](CLI::App* cmd) { cmd->add_flag("--json", o.json, "One line of JSON instead of text"); };
  const auto add_clock = [&](CLI::App* cmd) {
    cmd->add_option("CLOCK", o.positional, "/dev/ptpN (or a link to it), ptpN, or an exact clock_name")->type_name("");
  };
  const auto add_scale = [&](CLI::App* cmd) {
    return cmd->add_option("--scale", scale, "The time scale of a clock vrtc does not recognize: utc, tai, monotonic, "
                                            "utc_smeared, utc_maybe_smeared")->type_name("SCALE");
  };

  CLI::App* const list_cmd = app.add_subcommand("list",
      "usage: vrtc-ptp list [--json] [--root DIR]\n\nThe PTP hardware clocks in /sys/class/ptp and what each is.\n");
  add_json(list_cmd);
  add_root(list_cmd);
  CLI::App* const read_cmd = app.add_subcommand("read",
      "usage: vrtc-ptp read CLOCK [--samples N] [--method auto|precise|extended|gettime]\n"
      "                           [--scale SCALE] [--leap-seconds LIST] [--json] [--root DIR]\n\n"
      "Samples the clock and prints its offset to the system clock of its time scale.\n");
  add_clock(read_cmd);
  const CLI::Option* samples_opt = read_cmd->add_option("--samples", samples, "Samples, 1..1000 (default 10)")->type_name("N");
  const CLI::Option* method_opt =
      read_cmd->add_option("--method", method, "Force a way of reading: auto, precise, extended, gettime")->type_name("METHOD");
  const CLI::Option* read_scale = add_scale(read_cmd);
  read_cmd->add_option("--leap-seconds", o.leap_list, "The leap-second list (default " + o.leap_list + ")")->type_name("LIST");
  add_json(read_cmd);
  add_root(read_cmd);
  CLI::App* const chrony_cmd = app.add_subcommand("chrony",
      "usage: vrtc-ptp chrony CLOCK [--allow-smeared] [--poll N] [--scale SCALE] [--root DIR]\n\n"
      "A `refclock PHC` line for chrony.conf; a smeared clock only with --allow-smeared.\n");
  add_clock(chrony_cmd);
  chrony_cmd->add_flag("--allow-smeared", o.allow_smeared, "Accept a smeared clock (UTC_SMEARED, UTC_MAYBE_SMEARED)");
  const CLI::Option* poll_opt = chrony_cmd->add_option("--poll", poll, "chrony's poll, 0..10 (default 2)")->type_name("N");
  const CLI::Option* chrony_scale = add_scale(chrony_cmd);
  add_root(chrony_cmd);
  CLI::App* const udev_cmd = app.add_subcommand("udev",
      "usage: vrtc-ptp udev\n\nudev rules that give the clocks stable names (/dev/ptp_vrtc_tai, /dev/ptp_vmclock, ...).\n");
  // A word that is no command stays with the top level, to be named in the error.
  app.allow_extras();

  if (const auto done = vrtc_tools::parse(app, argc, argv)) return *done;
  if (!app.remaining().empty())
    fail("unknown command \"" + ptp::printable(app.remaining().front()) + "\" (list, read, chrony, udev; --help)");
  if (o.root.empty()) fail("--root needs a directory");
  if (samples_opt->count() > 0) o.samples = parse_count(samples, 1, 1000, "--samples");
  if (poll_opt->count() > 0) o.poll = parse_count(poll, 0, 10, "--poll");
  if (read_scale->count() > 0 || chrony_scale->count() > 0) o.scale = parse_scale(scale);
  if (method_opt->count() > 0) {
    if (method == "auto") o.method.reset();
    else if (method == "precise") o.method = ptp::read_method::precise;
    else if (method == "extended") o.method = ptp::read_method::extended;
    else if (method == "gettime") o.method = ptp::read_method::gettime;
    else fail("bad --method \"" + ptp::printable(method) + "\" (auto, precise, extended, gettime)");
  }
  if (list_cmd->parsed()) return cmd_list(o);
  if (read_cmd->parsed()) return cmd_read(o);
  if (chrony_cmd->parsed()) return cmd_chrony(o);
  if (udev_cmd->parsed()) return cmd_udev(o);
  std::fputs(usage_text, stderr);
  fail("no command (list, read, chrony, udev)");
}

}  // namespace

int main(int argc, char** argv) {
  return vrtc_tools::report_failures([&] { return run(argc, argv); });
}
