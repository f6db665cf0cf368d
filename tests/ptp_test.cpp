// The guest's PHCs (vrtc/linux/ptp.hpp): names as the Linux drivers give them, discovery on a fake
// sysfs tree, and reading through fake ioctls.
#include <vrtc/linux/ptp.hpp>
#include <vrtc/roles/driver.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "temp_dir.hpp"

namespace ptp = vrtc::ptp;

namespace {

using vrtc_test::link_to;
using vrtc_test::mkdirs;
using vrtc_test::temp_dir;
using vrtc_test::write_file;

std::string virtio_name(unsigned type, unsigned variant) {
  return "Virtio PTP type " + std::to_string(type) + "/variant " + std::to_string(variant);
}

}  // namespace

TEST_CASE("virtio-rtc clock names parse for every clock type and smearing variant") {
  struct expected {
    unsigned type;
    const char* type_name;
    ptp::time_scale scale;
  };
  const expected types[] = {{0, "UTC", ptp::time_scale::utc},
                            {1, "TAI", ptp::time_scale::tai},
                            {2, "MONOTONIC", ptp::time_scale::monotonic},
                            {3, "UTC_SMEARED", ptp::time_scale::utc_smeared},
                            {4, "UTC_MAYBE_SMEARED", ptp::time_scale::utc_maybe_smeared}};
  const char* variants[] = {"UNSPECIFIED", "NOON_LINEAR", "UTC_SLS"};
  for (const auto& t : types) {
    for (unsigned v = 0; v < 3; ++v) {
      const std::string name = virtio_name(t.type, v);
      INFO(name);
      const auto parsed = ptp::parse_virtio_rtc_name(name);
      REQUIRE(parsed);
      CHECK(parsed->type == t.type);
      CHECK(parsed->variant == v);
      CHECK(std::string(ptp::virtio_type_name(parsed->type)) == t.type_name);
      CHECK(std::string(ptp::virtio_variant_name(parsed->variant)) == variants[v]);
      const auto id = ptp::identify(name, std::nullopt);
      CHECK(id.source == ptp::clock_source::virtio_rtc);
      CHECK(id.scale == t.scale);
      CHECK(id.description.find(t.type_name) != std::string::npos);
      CHECK(id.description.find(variants[v]) != std::string::npos);
    }
  }
  // Numbers the specification does not define still parse (the driver passes them on), but
  // give no scale.
  const auto odd = ptp::parse_virtio_rtc_name("Virtio PTP type 255/variant 200");
  REQUIRE(odd);
  CHECK(odd->type == 255);
  CHECK(odd->variant == 200);
  CHECK(ptp::virtio_type_name(5) == nullptr);
  CHECK(ptp::virtio_variant_name(3) == nullptr);
  CHECK(ptp::identify("Virtio PTP type 7/variant 0", std::nullopt).scale == ptp::time_scale::unknown);
}

TEST_CASE("virtio-rtc clock names parse back to what the driver model names every type and variant") {
  for (unsigned t = 0; t < 256; ++t) {
    for (unsigned v = 0; v < 256; ++v) {
      const auto name = vrtc::make_ptp_name(static_cast<vrtc::clock_type>(t), static_cast<vrtc::smearing>(v));
      const auto parsed = ptp::parse_virtio_rtc_name(name.c_str());
      REQUIRE(parsed);
      REQUIRE(parsed->type == t);
      REQUIRE(parsed->variant == v);
    }
  }
}

TEST_CASE("malformed virtio-rtc clock names are not virtio-rtc clocks") {
  const std::string bad[] = {
      "",
      "Virtio PTP type 0, variant 0",  // an earlier draft's form
      "virtio PTP type 1/variant 0",
      "Virtio PTP type 1/variant 0 ",
      " Virtio PTP type 1/variant 0",
      "Virtio PTP type 1/variant 0\n",
      "Virtio PTP type 1/variant 0x",
      "Virtio PTP type 1/variant 0/variant 0",
      "Virtio PTP type 1//variant 0",
      "Virtio PTP type /variant 0",
      "Virtio PTP type 1/variant ",
      "Virtio PTP type 1/variant",
      "Virtio PTP type 1",
      "Virtio PTP type ",
      "Virtio PTP type 256/variant 0",
      "Virtio PTP type 0/variant 256",
      "Virtio PTP type 1000/variant 0",
      "Virtio PTP type 01/variant 0",
      "Virtio PTP type 1/variant 00",
      "Virtio PTP type -1/variant 0",
      "Virtio PTP type +1/variant 0",
      "Virtio PTP type 1 /variant 0",
      "Virtio PTP type 1/Variant 0",
      std::string("Virtio PTP type 1\0/variant 0", 28),
      std::string(300, 'V'),
  };
  for (const auto& name : bad) {
    INFO(ptp::printable(name));
    CHECK_FALSE(ptp::parse_virtio_rtc_name(name));
    CHECK(ptp::identify(name, std::nullopt).source == ptp::clock_source::other);
    CHECK(ptp::identify(name, std::nullopt).scale == ptp::time_scale::unknown);
  }
}

TEST_CASE("vmclock clocks report TAI from Linux 7.0 and UTC before, ptp_kvm clocks UTC") {
  CHECK(ptp::identify("vmclock0", ptp::kernel_version{7, 3}).scale == ptp::time_scale::tai);
  CHECK(ptp::identify("vmclock12", ptp::kernel_version{7, 0}).scale == ptp::time_scale::tai);
  CHECK(ptp::identify("vmclock0", ptp::kernel_version{6, 13}).scale == ptp::time_scale::utc);
  CHECK(ptp::identify("vmclock0", std::nullopt).scale == ptp::time_scale::tai);
  CHECK(ptp::identify("vmclock0", std::nullopt).source == ptp::clock_source::vmclock);
  for (const char* not_vmclock : {"vmclock", "vmclock0a", "vmclock-1", "Vmclock0", "vmclock 0"})
    CHECK(ptp::identify(not_vmclock, std::nullopt).source == ptp::clock_source::other);
  CHECK(ptp::identify("KVM virtual PTP", std::nullopt).source == ptp::clock_source::kvm);
  CHECK(ptp::identify("KVM virtual PTP", std::nullopt).scale == ptp::time_scale::utc);
  CHECK(ptp::identify("KVM virtual PTP ", std::nullopt).source == ptp::clock_source::other);

  CHECK(ptp::parse_kernel_release("7.3.4+deb13-cloud-amd64") == ptp::kernel_version{7, 3});
  CHECK(ptp::parse_kernel_release("6.13") == ptp::kernel_version{6, 13});
  CHECK_FALSE(ptp::parse_kernel_release("linux"));
  CHECK_FALSE(ptp::parse_kernel_release("7"));
  CHECK_FALSE(ptp::parse_kernel_release("7."));
  CHECK_FALSE(ptp::parse_kernel_release(""));
  CHECK_FALSE(ptp::parse_kernel_release("99999999999.1"));
}

namespace {

/// A guest's /sys/class/ptp as Linux lays it out: class links to the devices' directories.
void fake_clock(const temp_dir& t, const std::string& ptp_name, const std::string& clock_name, const std::string& dev) {
  const std::string dir = t / ("sys/devices/virtual/ptp/" + ptp_name);
  write_file(dir + "/clock_name", clock_name);
  write_file(dir + "/dev", dev);
  link_to("../../devices/virtual/ptp/" + ptp_name, t / ("sys/class/ptp/" + ptp_name));
}

ptp::environment env_for(const temp_dir& t) {
  ptp::environment env;
  env.root = t.path();
  return env;
}

}  // namespace

TEST_CASE("PHC discovery lists ptpN in index order and says what each clock is") {
  temp_dir t;
  write_file(t / "proc/sys/kernel/osrelease", "7.3.4+deb13-cloud-amd64\n");
  fake_clock(t, "ptp0", "vmclock0\n", "249:0\n");
  fake_clock(t, "ptp1", "Virtio PTP type 1/variant 0\n", "249:1\n");
  fake_clock(t, "ptp2", "KVM virtual PTP\n", "249:2\n");
  fake_clock(t, "ptp10", "Virtio PTP type 3/variant 1\n", "249:10\n");
  fake_clock(t, "ptp9", "e1000e\n", "249:9\n");
  write_file(t / "dev/ptp1", "");
  // Not PHCs: other names in the class directory.
  mkdirs(t / "sys/class/ptp/ptp01");
  mkdirs(t / "sys/class/ptp/ptpx");
  mkdirs(t / "sys/class/ptp/power");

  const auto list = ptp::list_clocks(env_for(t));
  CHECK(list.problem.empty());
  REQUIRE(list.kernel);
  CHECK(*list.kernel == ptp::kernel_version{7, 3});
  REQUIRE(list.clocks.size() == 5);
  std::vector<std::string> names;
  for (const auto& c : list.clocks) names.push_back(c.name);
  CHECK(names == std::vector<std::string>{"ptp0", "ptp1", "ptp2", "ptp9", "ptp10"});
  const auto& vmclock = list.clocks[0];
  CHECK(vmclock.clock_name == "vmclock0");
  CHECK(vmclock.device_path == "/dev/ptp0");
  CHECK_FALSE(vmclock.node_present);
  CHECK(vmclock.identity.source == ptp::clock_source::vmclock);
  CHECK(vmclock.identity.scale == ptp::time_scale::tai);
  REQUIRE(vmclock.device_number);
  CHECK(major(*vmclock.device_number) == 249);
  CHECK(minor(*vmclock.device_number) == 0);
  CHECK(list.clocks[1].node_present);
  CHECK(list.clocks[1].identity.scale == ptp::time_scale::tai);
  CHECK(list.clocks[1].identity.virtio == ptp::virtio_rtc_name{1, 0});
  CHECK(list.clocks[2].identity.source == ptp::clock_source::kvm);
  CHECK(list.clocks[3].identity.source == ptp::clock_source::other);
  CHECK(list.clocks[4].identity.scale == ptp::time_scale::utc_smeared);
  CHECK(list.clocks[4].identity.virtio == ptp::virtio_rtc_name{3, 1});
}

TEST_CASE("PHC discovery survives odd sysfs contents: missing, FIFO, over-long and binary names") {
  temp_dir t;  // no osrelease: the kernel is unknown
  fake_clock(t, "ptp0", "vmclock0\n", "garbage\n");
  const std::string fifo_dir = t / "sys/class/ptp/ptp1";
  mkdirs(fifo_dir);
  REQUIRE(::mkfifo((fifo_dir + "/clock_name").c_str(), 0644) == 0);  // must not block
  mkdirs(t / "sys/class/ptp/ptp2");                        // no clock_name at all
  write_file(t / "sys/class/ptp/ptp3/clock_name", std::string(10000, 'x'));
  write_file(t / "sys/class/ptp/ptp4/clock_name", std::string("Virtio PTP\x01\xff type 1/variant 0\n"));
  mkdirs(t / "sys/class/ptp/ptp5/clock_name");  // a directory

  const auto list = ptp::list_clocks(env_for(t));
  CHECK_FALSE(list.kernel);
  REQUIRE(list.clocks.size() == 6);
  CHECK(list.clocks[0].identity.scale == ptp::time_scale::tai);  // current driver assumed
  CHECK_FALSE(list.clocks[0].device_number);
  CHECK_FALSE(list.clocks[1].clock_name);
  CHECK(list.clocks[1].clock_name_problem.find("FIFO") != std::string::npos);
  CHECK(list.clocks[1].identity.source == ptp::clock_source::other);
  CHECK_FALSE(list.clocks[2].clock_name);
  CHECK_FALSE(list.clocks[2].clock_name_problem.empty());
  REQUIRE(list.clocks[3].clock_name);
  CHECK(list.clocks[3].clock_name->size() == 4096);
  CHECK(list.clocks[3].clock_name_problem.find("cut short") != std::string::npos);
  REQUIRE(list.clocks[4].clock_name);
  CHECK(list.clocks[4].identity.source == ptp::clock_source::other);
  CHECK(ptp::printable(*list.clocks[4].clock_name) == "Virtio PTP\\x01\\xff type 1/variant 0");
  CHECK(ptp::printable(*list.clocks[3].clock_name).size() == 64 + 3);
  CHECK_FALSE(list.clocks[5].clock_name);
  CHECK(list.clocks[5].clock_name_problem.find("directory") != std::string::npos);
}

TEST_CASE("PHC discovery without /sys/class/ptp says so") {
  temp_dir t;
  const auto list = ptp::list_clocks(env_for(t));
  CHECK(list.clocks.empty());
  CHECK(list.problem.find("sys/class/ptp") != std::string::npos);
}

TEST_CASE("a clock is named by ptpN, by its device node or a link to it, or by its clock_name") {
  temp_dir t;
  fake_clock(t, "ptp0", "vmclock0\n", "249:0\n");
  fake_clock(t, "ptp1", "Virtio PTP type 1/variant 0\n", "249:1\n");
  fake_clock(t, "ptp2", "Virtio PTP type 0/variant 0\n", "249:2\n");
  fake_clock(t, "ptp3", "Virtio PTP type 0/variant 0\n", "249:3\n");
  write_file(t / "dev/ptp1", "");
  link_to("ptp1", t / "dev/ptp_vrtc_tai");
  write_file(t / "dev/null", "");
  const auto env = env_for(t);
  const auto list = ptp::list_clocks(env);

  auto r = ptp::resolve(env, list, "ptp1");
  REQUIRE(r.clock);
  CHECK(r.clock->name == "ptp1");
  CHECK(r.path == t / "dev/ptp1");
  r = ptp::resolve(env, list, "/dev/ptp_vrtc_tai");
  REQUIRE(r.clock);
  CHECK(r.clock->name == "ptp1");
  CHECK(r.path == t / "dev/ptp_vrtc_tai");
  r = ptp::resolve(env, list, "vmclock0");
  REQUIRE(r.clock);
  CHECK(r.clock->name == "ptp0");
  r = ptp::resolve(env, list, "Virtio PTP type 1/variant 0");
  REQUIRE(r.clock);
  CHECK(r.clock->name == "ptp1");

  r = ptp::resolve(env, list, "Virtio PTP type 0/variant 0");
  CHECK_FALSE(r.clock);
  CHECK(r.problem.find("ptp2 ptp3") != std::string::npos);
  r = ptp::resolve(env, list, "ptp7");
  CHECK_FALSE(r.clock);
  r = ptp::resolve(env, list, "/dev/null");
  CHECK_FALSE(r.clock);
  CHECK(r.problem.find("not the device node") != std::string::npos);
  r = ptp::resolve(env, list, "/dev/nothing");
  CHECK_FALSE(r.clock);
  r = ptp::resolve(env, list, "");
  CHECK_FALSE(r.clock);
  r = ptp::resolve(env, list, "no such clock");
  CHECK_FALSE(r.clock);
}

namespace {

constexpr std::int64_t s_ns = 1'000'000'000;

/// A PHC that runs `phc_ahead` ns ahead of a realtime clock that advances `step` ns per read;
/// each PTP ioctl can be made to fail with an errno.
struct fake_phc {
  std::int64_t realtime = 1'700'000'000 * s_ns;
  std::int64_t step = 100;
  std::int64_t phc_ahead = 37 * s_ns + 1234;
  int precise_errno = 0;
  int extended_errno = 0;
  std::map<unsigned long, int> calls;
  std::vector<clockid_t> clocks_read;
  std::vector<unsigned> extended_batches;

  static ptp_clock_time pct(std::int64_t ns) { return {ns / s_ns, static_cast<std::uint32_t>(ns % s_ns), 0}; }
  static timespec ts(std::int64_t ns) { return {static_cast<time_t>(ns / s_ns), static_cast<long>(ns % s_ns)}; }
  std::int64_t tick() { return realtime += step; }

  ptp::system_calls calls_for() {
    ptp::system_calls s;
    s.ioctl = [this](int, unsigned long request, void* arg) {
      ++calls[request];
      if (request == PTP_SYS_OFFSET_PRECISE2) {
        if (precise_errno != 0) return precise_errno;
        auto* x = static_cast<ptp_sys_offset_precise*>(arg);
        const std::int64_t now = tick();
        x->sys_realtime = pct(now);
        x->device = pct(now + phc_ahead);
        return 0;
      }
      if (request == PTP_SYS_OFFSET_EXTENDED2) {
        if (extended_errno != 0) return extended_errno;
        auto* x = static_cast<ptp_sys_offset_extended*>(arg);
        extended_batches.push_back(x->n_samples);
        for (unsigned i = 0; i < x->n_samples; ++i) {
          x->ts[i][0] = pct(tick());
          // The i-th sample's bracket is 2i+1 steps wide with the PHC reading in its middle:
          // sample 0 is the narrowest.
          realtime += static_cast<std::int64_t>(i) * step;
          x->ts[i][1] = pct(realtime + step / 2 + phc_ahead);
          realtime += static_cast<std::int64_t>(i) * step;
          x->ts[i][2] = pct(tick());
        }
        return 0;
      }
      return ENOTTY;
    };
    s.gettime = [this](clockid_t clock, timespec& out) {
      clocks_read.push_back(clock);
      const std::int64_t now = tick();
      out = ts(clock == CLOCK_REALTIME ? now : now - step / 2 + phc_ahead);
      return 0;
    };
    s.tai_offset = [](int& tai) {
      tai = 37;
      return 0;
    };
    return s;
  }
};

}  // namespace

TEST_CASE("a PHC is read with PTP_SYS_OFFSET_PRECISE2 where the driver offers it") {
  fake_phc f;
  const auto r = ptp::read_samples(f.calls_for(), 5, 4);
  REQUIRE(r.ok());
  CHECK(r.method == ptp::read_method::precise);
  CHECK(r.samples.size() == 4);
  CHECK(f.calls[PTP_SYS_OFFSET_PRECISE2] == 4);
  CHECK(f.calls[PTP_SYS_OFFSET_EXTENDED2] == 0);
  const auto e = ptp::estimate_offset(r.samples, 37);
  REQUIRE(e);
  CHECK(e->offset_ns == 1234);  // PHC - (CLOCK_REALTIME + 37 s)
  CHECK(e->delay_ns == 0);
  CHECK(e->error_bound_ns == 0);
}

TEST_CASE("a PHC without cross-timestamps is read with PTP_SYS_OFFSET_EXTENDED2, in batches of PTP_MAX_SAMPLES") {
  for (const int not_offered : {EOPNOTSUPP, ENOTTY, ENODEV}) {
    fake_phc f;
    f.precise_errno = not_offered;
    const auto r = ptp::read_samples(f.calls_for(), 5, 60);
    REQUIRE(r.ok());
    CHECK(r.method == ptp::read_method::extended);
    CHECK(r.samples.size() == 60);
    CHECK(f.extended_batches == std::vector<unsigned>{25, 25, 10});
    REQUIRE(r.not_offered.size() == 1);
    CHECK(r.not_offered[0].find("PRECISE2") != std::string::npos);
    const auto e = ptp::estimate_offset(r.samples, 0);
    REQUIRE(e);
    // The narrowest bracket is each batch's first sample: one step wide, PHC in the middle.
    CHECK(e->delay_ns == f.step);
    CHECK(e->error_bound_ns == f.step / 2);
    CHECK(e->offset_ns == f.phc_ahead);
    CHECK(e->min_offset_ns == f.phc_ahead);
    CHECK(e->max_offset_ns == f.phc_ahead);
  }
}

TEST_CASE("a PHC without either ioctl is read with clock_gettime on its dynamic clock id") {
  fake_phc f;
  f.precise_errno = EOPNOTSUPP;
  f.extended_errno = EOPNOTSUPP;
  f.step = 101;  // odd: the middle of the bracket rounds down, the bound rounds up
  const auto r = ptp::read_samples(f.calls_for(), 7, 3);
  REQUIRE(r.ok());
  CHECK(r.method == ptp::read_method::gettime);
  CHECK(r.not_offered.size() == 2);
  REQUIRE(f.clocks_read.size() == 9);
  CHECK(f.clocks_read[0] == CLOCK_REALTIME);
  CHECK(f.clocks_read[1] == ptp::fd_to_clockid(7));
  CHECK(f.clocks_read[2] == CLOCK_REALTIME);
  CHECK(ptp::fd_to_clockid(7) < 0);  // a dynamic clock id is negative
  const auto e = ptp::estimate_offset(r.samples, 0);
  REQUIRE(e);
  CHECK(e->delay_ns == 2 * f.step);
  CHECK(e->error_bound_ns == f.step);
  // True offset phc_ahead; the estimate is off by less than the bound.
  CHECK(std::llabs(e->offset_ns - f.phc_ahead) <= e->error_bound_ns);
}

TEST_CASE("a forced method is the only one tried, and other errors are failures, not fallbacks") {
  fake_phc f;
  auto r = ptp::read_samples(f.calls_for(), 3, 2, ptp::read_method::gettime);
  REQUIRE(r.ok());
  CHECK(r.method == ptp::read_method::gettime);
  CHECK(f.calls.empty());

  fake_phc g;
  g.precise_errno = EOPNOTSUPP;
  r = ptp::read_samples(g.calls_for(), 3, 2, ptp::read_method::precise);
  CHECK_FALSE(r.ok());
  CHECK(r.error == EOPNOTSUPP);
  CHECK(r.samples.empty());

  fake_phc h;
  h.precise_errno = EOPNOTSUPP;
  h.extended_errno = EIO;
  r = ptp::read_samples(h.calls_for(), 3, 2);
  CHECK_FALSE(r.ok());
  CHECK(r.error == EIO);
  CHECK(r.problem.find("EXTENDED2") != std::string::npos);
  CHECK(h.clocks_read.empty());
}

TEST_CASE("readings that are not valid timestamps are refused") {
  ptp::system_calls s;
  s.ioctl = [](int, unsigned long request, void* arg) {
    if (request != PTP_SYS_OFFSET_PRECISE2) return ENOTTY;
    auto* x = static_cast<ptp_sys_offset_precise*>(arg);
    x->device = {1, 1'000'000'000, 0};  // nsec out of range
    return 0;
  };
  auto r = ptp::read_samples(s, 3, 1);
  CHECK_FALSE(r.ok());
  s.ioctl = [](int, unsigned long request, void* arg) {
    if (request != PTP_SYS_OFFSET_PRECISE2) return ENOTTY;
    auto* x = static_cast<ptp_sys_offset_precise*>(arg);
    x->device = {INT64_MAX / 2, 0, 0};  // beyond int64 nanoseconds
    return 0;
  };
  r = ptp::read_samples(s, 3, 1);
  CHECK_FALSE(r.ok());

  CHECK_FALSE(ptp::estimate_offset({}, 0));
  CHECK_FALSE(ptp::estimate_offset({{INT64_MIN, 0, INT64_MAX}}, 0));      // bracket width overflows
  CHECK_FALSE(ptp::estimate_offset({{0, INT64_MIN, 0}}, 1));              // offset overflows
  CHECK_FALSE(ptp::estimate_offset({{0, 0, 0}}, INT64_MAX / 1000));       // shift overflows
  CHECK_FALSE(ptp::estimate_offset({{10, 0, 5}}, 0));                     // after before before
}

TEST_CASE("the estimate comes from the narrowest bracket and spans all samples") {
  const std::vector<ptp::sample> samples = {{1000, 1600, 1200}, {2000, 2550, 2101}, {3000, 3500, 3400}};
  const auto e = ptp::estimate_offset(samples, 0);
  REQUIRE(e);
  CHECK(e->delay_ns == 101);
  CHECK(e->system_ns == 2050);
  CHECK(e->offset_ns == 500);
  CHECK(e->error_bound_ns == 51);
  CHECK(e->min_offset_ns == 300);
  CHECK(e->max_offset_ns == 500);
  const auto tai = ptp::estimate_offset(samples, 37);
  REQUIRE(tai);
  CHECK(tai->offset_ns == 500 - 37 * s_ns);
}

TEST_CASE("system clocks by time scale, and the udev rules cover every recognized name") {
  CHECK(ptp::system_clock_for(ptp::time_scale::tai) == ptp::system_clock::tai);
  CHECK(ptp::system_clock_for(ptp::time_scale::utc) == ptp::system_clock::realtime);
  CHECK(ptp::system_clock_for(ptp::time_scale::utc_smeared) == ptp::system_clock::realtime);
  CHECK(ptp::system_clock_for(ptp::time_scale::utc_maybe_smeared) == ptp::system_clock::realtime);
  CHECK(ptp::system_clock_for(ptp::time_scale::monotonic) == ptp::system_clock::none);
  CHECK(ptp::is_smeared(ptp::time_scale::utc_smeared));
  CHECK(ptp::is_smeared(ptp::time_scale::utc_maybe_smeared));
  CHECK_FALSE(ptp::is_smeared(ptp::time_scale::utc));

  std::vector<std::string> links;
  for (const auto& rule : ptp::udev_rules()) {
    CHECK(ptp::identify(rule.match, std::nullopt).source != ptp::clock_source::other);
    for (const auto& l : links) CHECK(l != rule.symlink);
    links.push_back(rule.symlink);
  }
  const auto has = [&](const char* l) { return std::find(links.begin(), links.end(), l) != links.end(); };
  CHECK(has("ptp_vrtc_tai"));
  CHECK(has("ptp_vrtc_utc"));
  CHECK(has("ptp_vmclock"));
  CHECK(has("ptp_kvm"));
}

TEST_CASE("ptp: the system's TAI is CLOCK_TAI with the kernel's offset, else CLOCK_REALTIME plus the leap table") {
  const std::optional<vrtc::leap_table> table = vrtc::builtin_leap_table();
  constexpr std::uint64_t utc_2026 = 1'780'000'000;  // 2026-05-28: TAI - UTC is 37 s
  constexpr std::uint64_t utc_2016 = 1'480'000'000;  // 2016-11-24: 36 s
  const auto kernel = ptp::system_tai_shift(37, table, utc_2026);
  REQUIRE(kernel);
  CHECK(kernel->seconds == 37);
  CHECK(kernel->source == vrtc::tai_source::kernel);
  const auto derived = ptp::system_tai_shift(0, table, utc_2026);
  REQUIRE(derived);
  CHECK(derived->seconds == 37);
  CHECK(derived->source == vrtc::tai_source::leap_table);
  CHECK(ptp::system_tai_shift(0, table, utc_2016)->seconds == 36);
  // No table (or one that has expired at that instant): no TAI but the kernel's.
  CHECK(!ptp::system_tai_shift(0, std::nullopt, utc_2026));
  CHECK(!ptp::system_tai_shift(0, table, table->expires()));
  CHECK(ptp::system_tai_shift(35, std::nullopt, utc_2026)->seconds == 35);
}
