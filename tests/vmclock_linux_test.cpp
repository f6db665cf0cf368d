// vmclock on Linux: discovery (vmclock/linux/discovery.hpp) against fake sysfs/procfs/dev trees built in
// a temporary directory, every error path of device_page (some through injected system calls: the tests run
// as root, and a real device's refusals cannot be produced with ordinary files), notifications,
// and a writer process against a reader process sharing a page file.
#include <vrtc/core/counter.hpp>
#include <vrtc/core/time.hpp>
#include <vmclock/abi.hpp>
#include <vmclock/linux/device_page.hpp>
#include <vmclock/linux/discovery.hpp>
#include <vmclock/reader.hpp>
#include <vmclock/writer.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "temp_dir.hpp"

namespace {

namespace vmc = vrtc::vmclock;
using namespace std::chrono_literals;

using vrtc_test::link_to;
using vrtc_test::mkdirs;
using vrtc_test::temp_dir;
using vrtc_test::write_file;

std::string be32(std::uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[static_cast<std::size_t>(i)] = static_cast<char>((v >> (24 - 8 * i)) & 0xff);
  return s;
}

/// The sysfs/procfs of an x86 VM whose ACPI table has the device (HID AMZNC10C, CID VMCLOCK),
/// laid out as Linux lays it out (devices under /sys/devices, links from the bus directories).
void fake_acpi_vm(const temp_dir& t) {
  const std::string acpi = t / "sys/devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00";
  write_file(acpi + "/hid", "AMZNC10C\n");
  write_file(acpi + "/modalias", "acpi:AMZNC10C:VMCLOCK:\n");
  write_file(acpi + "/path", "\\_SB_.VCLK\n");
  write_file(acpi + "/status", "15\n");
  link_to("../../../platform/AMZNC10C:00", acpi + "/physical_node");
  write_file(t / "sys/devices/platform/AMZNC10C:00/modalias", "acpi:AMZNC10C:VMCLOCK:\n");
  link_to("../../../devices/LNXSYSTM:00/LNXSYBUS:00/AMZNC10C:00", t / "sys/bus/acpi/devices/AMZNC10C:00");
  // An unrelated ACPI device and platform device.
  write_file(t / "sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0501:00/hid", "PNP0501\n");
  write_file(t / "sys/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0501:00/modalias", "acpi:PNP0501:\n");
  link_to("../../../devices/LNXSYSTM:00/LNXSYBUS:00/PNP0501:00", t / "sys/bus/acpi/devices/PNP0501:00");
  write_file(t / "sys/devices/platform/serial8250/modalias", "platform:serial8250\n");
  link_to("../../../devices/platform/AMZNC10C:00", t / "sys/bus/platform/devices/AMZNC10C:00");
  link_to("../../../devices/platform/serial8250", t / "sys/bus/platform/devices/serial8250");
  mkdirs(t / "sys/bus/platform/drivers/serial8250");
  write_file(t / "proc/iomem",
             "00000000-00000fff : Reserved\n"
             "00001000-0009fbff : System RAM\n"
             "0009fc00-000fffff : Reserved\n"
             "  000de000-000defff : AMZNC10C:00\n"
             "  000f0000-000fffff : System ROM\n"
             "00100000-bfffffff : System RAM\n");
  mkdirs(t / "dev");
  mkdirs(t / "sys/class/ptp");
}

vmc::discovery_options options_for(const temp_dir& t) {
  vmc::discovery_options o;
  o.root = t.path();
  o.kernel_release = "6.18.0-test";
  o.page_size = 4096;
  return o;
}

}  // namespace

TEST_CASE("discovery: an ACPI device without a driver, a kernel built without it, no node") {
  temp_dir t;
  fake_acpi_vm(t);
  write_file(t / "boot/config-6.18.0-test", "CONFIG_PTP_1588_CLOCK=y\n# CONFIG_PTP_1588_CLOCK_VMCLOCK is not set\n");
  const auto r = vmc::discover(options_for(t));
  REQUIRE(r.devices.size() == 1);
  const auto& d = r.devices[0];
  CHECK(d.name == "AMZNC10C:00");
  CHECK(d.firmware == "ACPI");
  CHECK(d.identity == "HID AMZNC10C, CID VMCLOCK");
  CHECK(d.firmware_path == "\\_SB_.VCLK");
  CHECK(d.acpi_status == 15u);
  CHECK(d.sysfs_path == t / "sys/bus/platform/devices/AMZNC10C:00");
  CHECK_FALSE(d.driver.has_value());
  REQUIRE(d.range.has_value());
  CHECK(*d.range == vmc::memory_range{0xde000, 0xdefff});
  CHECK(d.range_source == "/proc/iomem");
  CHECK(r.nodes.empty());
  CHECK(r.ptp_clocks.empty());
  CHECK(r.config.state == vmc::config_state::not_set);
  CHECK(r.config.source == t / "boot/config-6.18.0-test");
  CHECK_FALSE(r.driver_registered);
  CHECK(vmc::summary(r) ==
        "ACPI device AMZNC10C:00 at 0xde000-0xdefff, no driver bound; kernel built without "
        "CONFIG_PTP_1588_CLOCK_VMCLOCK; no /dev/vmclock0");
  // Every place looked at is reported.
  std::vector<std::string> looked;
  for (const auto& c : r.checks) looked.push_back(c.what.substr(t.path().size()));
  CHECK(looked == std::vector<std::string>{"/dev/vmclock*", "/sys/bus/acpi/devices", "/sys/firmware/devicetree/base",
                                           "/sys/bus/platform/devices", "/proc/iomem",
                                           "/sys/bus/platform/drivers/vmclock", "/sys/module/ptp_vmclock",
                                           "/proc/config.gz", "/boot/config-6.18.0-test", "/sys/class/ptp/*/clock_name"});
  CHECK(r.checks[1].found == "2 devices, 1 with HID AMZNC10C or CID VMCLOCK");
}

TEST_CASE("discovery: a bound driver, a node, a PTP clock, and the configuration from config.gz") {
  temp_dir t;
  fake_acpi_vm(t);
  mkdirs(t / "sys/bus/platform/drivers/vmclock");
  link_to("../../../bus/platform/drivers/vmclock", t / "sys/devices/platform/AMZNC10C:00/driver");
  mkdirs(t / "sys/module/ptp_vmclock");
  write_file(t / "dev/vmclock0", "");
  ::chmod((t / "dev/vmclock0").c_str(), 0600);
  write_file(t / "dev/vmclockx", "");  // not vmclock<digits>
  write_file(t / "sys/class/ptp/ptp0/clock_name", "vmclock0\n");
  write_file(t / "sys/class/ptp/ptp1/clock_name", "ptp_kvm\n");
  write_file(t / "proc/config.gz", "\x1f\x8b not really gzip");
  // The boot config says otherwise; config.gz (the running kernel's own) wins when it decodes.
  write_file(t / "boot/config-6.18.0-test", "# CONFIG_PTP_1588_CLOCK_VMCLOCK is not set\n");
  auto o = options_for(t);
  std::string asked;
  o.decompress = [&](const std::string& path) -> std::optional<std::string> {
    asked = path;
    return std::string("CONFIG_PTP_1588_CLOCK_VMCLOCK=m\n");
  };
  const auto r = vmc::discover(o);
  CHECK(asked == t / "proc/config.gz");
  CHECK(r.config.state == vmc::config_state::module);
  CHECK(r.config.source == t / "proc/config.gz");
  CHECK(r.driver_registered);
  CHECK(r.module_loaded);
  REQUIRE(r.devices.size() == 1);
  CHECK(r.devices[0].driver == std::optional<std::string>("vmclock"));
  REQUIRE(r.nodes.size() == 1);
  CHECK(r.nodes[0].path == t / "dev/vmclock0");
  CHECK_FALSE(r.nodes[0].char_device);
  CHECK(r.nodes[0].mode == 0600u);
  CHECK(r.nodes[0].readable == (::geteuid() == 0));
  REQUIRE(r.ptp_clocks.size() == 1);
  CHECK(r.ptp_clocks[0].device == "ptp0");
  CHECK(r.ptp_clocks[0].clock_name == "vmclock0");
  const std::string readable = ::geteuid() == 0 ? " readable" : " not readable by this user (root-only by default)";
  CHECK(vmc::summary(r) == "ACPI device AMZNC10C:00 at 0xde000-0xdefff, driver vmclock bound; kernel built with "
                           "CONFIG_PTP_1588_CLOCK_VMCLOCK=m (module ptp_vmclock loaded); " +
                               t / "dev/vmclock0" + readable + "; PTP clock ptp0 (vmclock0)");

  // A config.gz that does not decode falls back to /boot/config-<release>.
  o.decompress = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  const auto fallback = vmc::discover(o);
  CHECK(fallback.config.state == vmc::config_state::not_set);
  CHECK(fallback.config.source == t / "boot/config-6.18.0-test");
  // And without either, the state is unknown, with the reason.
  ::unlink((t / "boot/config-6.18.0-test").c_str());
  const auto unknown = vmc::discover(o);
  CHECK(unknown.config.state == vmc::config_state::unknown);
  CHECK(unknown.config.note == t / "proc/config.gz" + " could not be decompressed");
}

TEST_CASE("discovery: a devicetree node compatible with amazon,vmclock, its reg range and platform device") {
  temp_dir t;
  const std::string base = t / "sys/firmware/devicetree/base";
  write_file(base + "/#address-cells", be32(2));
  write_file(base + "/#size-cells", be32(2));
  write_file(base + "/compatible", std::string("linux,dummy-virt\0", 17));
  const std::string node = base + "/vmclock@fe000000";
  write_file(node + "/compatible", std::string("amazon,vmclock\0", 15));
  write_file(node + "/reg", be32(0) + be32(0xfe000000) + be32(0) + be32(0x1000));
  write_file(base + "/soc/uart@9000000/compatible", std::string("arm,pl011\0arm,primecell\0", 24));
  write_file(t / "sys/devices/platform/fe000000.vmclock/modalias", "of:NvmclockT(null)Camazon,vmclock\n");
  link_to("../../../firmware/devicetree/base/vmclock@fe000000", t / "sys/devices/platform/fe000000.vmclock/of_node");
  link_to("../../../devices/platform/fe000000.vmclock", t / "sys/bus/platform/devices/fe000000.vmclock");
  const auto r = vmc::discover(options_for(t));
  REQUIRE(r.devices.size() == 1);
  const auto& d = r.devices[0];
  CHECK(d.firmware == "devicetree");
  CHECK(d.name == "vmclock@fe000000");
  CHECK(d.identity == "compatible amazon,vmclock");
  CHECK(d.firmware_path == "/vmclock@fe000000");
  CHECK(d.sysfs_path == t / "sys/bus/platform/devices/fe000000.vmclock");
  REQUIRE(d.range.has_value());
  CHECK(*d.range == vmc::memory_range{0xfe000000, 0xfe000fff});
  CHECK(d.range_source == "devicetree reg");
  CHECK(r.config.state == vmc::config_state::unknown);
  CHECK(vmc::summary(r) == "devicetree device vmclock@fe000000 at 0xfe000000-0xfe000fff, no driver bound; kernel "
                           "configuration not readable; no /dev/vmclock0");
}

TEST_CASE("discovery: CID-only ACPI match, hidden iomem addresses, and an empty root") {
  temp_dir t;
  write_file(t / "sys/bus/acpi/devices/QEMU0001:00/hid", "QEMU0001\n");
  write_file(t / "sys/bus/acpi/devices/QEMU0001:00/modalias", "acpi:QEMU0001:VMCLOCK:\n");
  // What a non-root user sees: every address zero.
  write_file(t / "proc/iomem", "00000000-00000000 : Reserved\n  00000000-00000000 : QEMU0001:00\n");
  write_file(t / "boot/config-6.18.0-test", "CONFIG_PTP_1588_CLOCK=y\n");
  const auto r = vmc::discover(options_for(t));
  REQUIRE(r.devices.size() == 1);
  CHECK(r.devices[0].identity == "HID QEMU0001, CID VMCLOCK");
  CHECK(r.devices[0].sysfs_path.empty());
  CHECK(r.iomem_addresses_hidden);
  CHECK_FALSE(r.devices[0].range.has_value());
  CHECK(r.config.state == vmc::config_state::absent);
  CHECK(vmc::summary(r) == "ACPI device QEMU0001:00 (address hidden from non-root users), no driver bound; kernel has "
                           "no CONFIG_PTP_1588_CLOCK_VMCLOCK option (older than Linux 6.13); no /dev/vmclock0");

  temp_dir empty;
  const auto none = vmc::discover(options_for(empty));
  CHECK(none.devices.empty());
  CHECK(vmc::summary(none) == "no vmclock device (no ACPI AMZNC10C/VMCLOCK, no devicetree amazon,vmclock); kernel "
                              "configuration not readable; no /dev/vmclock0");
  for (const auto& c : none.checks) CHECK_FALSE(c.found.empty());
}

TEST_CASE("kernel config: =y, =m, not set, absent") {
  constexpr std::string_view opt = vmc::kernel_option_name;
  CHECK(vmc::parse_kernel_config("A=y\nCONFIG_PTP_1588_CLOCK_VMCLOCK=y\n", opt) == vmc::config_state::built_in);
  CHECK(vmc::parse_kernel_config("CONFIG_PTP_1588_CLOCK_VMCLOCK=m", opt) == vmc::config_state::module);
  CHECK(vmc::parse_kernel_config("# CONFIG_PTP_1588_CLOCK_VMCLOCK is not set\n", opt) == vmc::config_state::not_set);
  CHECK(vmc::parse_kernel_config("CONFIG_PTP_1588_CLOCK_VMCLOCK_X=y\n", opt) == vmc::config_state::absent);
  CHECK(vmc::parse_kernel_config("", opt) == vmc::config_state::absent);
}

TEST_CASE("iomem: indented hexadecimal ranges with names, other lines skipped") {
  const auto e = vmc::detail::parse_iomem(
      "00001000-0009fbff : System RAM\n"
      "  000de000-000defff : AMZNC10C:00\n"
      "    4000000000-400007ffff : virtio-pci-modern : x\n"
      "0x10-0x20 : hex prefix\n"
      "1-2  : two spaces\n"
      "12345678901234567-1 : seventeen digits\n"
      "ffffffffffffffff-ffffffffffffffff : top");
  REQUIRE(e.size() == 4);
  CHECK(e[0].range == vmc::memory_range{0x1000, 0x9fbff});
  CHECK(e[0].name == "System RAM");
  CHECK(e[1].name == "AMZNC10C:00");
  CHECK(vmc::to_string(e[1].range) == "0xde000-0xdefff");
  CHECK(e[2].range == vmc::memory_range{0x4000000000, 0x400007ffff});
  CHECK(e[2].name == "virtio-pci-modern : x");
  CHECK(e[3].range == vmc::memory_range{UINT64_MAX, UINT64_MAX});
}

// --- device_page -----------------------------------------------------------------------------

namespace {

vmc::page_data sample_page(std::uint64_t marker = 1) {
  vmc::page_data p;
  p.counter_id = static_cast<vmc::counter_id>(vrtc::hardware_counter_id().value_or(0xff));
  p.time_type = vmc::time_type::tai;
  p.clock_status = vmc::clock_status::synchronized;
  p.disruption_marker = marker;
  p.flags = vmc::flag::vm_gen_counter_present;
  p.time_sec = 1'800'000'000;
  p.vm_generation_counter = 7;
  return p;
}

/// A page file of `length` bytes holding `p` (the rest zero).
void write_page(const std::string& path, const vmc::page_data& p, std::size_t length = 4096) {
  std::string bytes(std::max<std::size_t>(length, vmc::abi_size), '\0');
  REQUIRE(vmc::encode(p, std::as_writable_bytes(std::span<char>(bytes))).has_value());
  bytes.resize(length);
  write_file(path, bytes);
}

/// Injected system calls: each failure an errno, and counters of what was called.
struct fake_os {
  static inline int open_errno = 0;
  static inline int mmap_errno = 0;
  static inline int pread_errno = 0;
  static inline bool report_char_device = false;
  static inline bool slow_pread = false;  ///< short reads with a pause: a copy a writer can overtake
  static inline int poll_result = 0;
  static inline short poll_revents = 0;
  static inline int preads = 0;
  static inline int polls = 0;
  static inline std::function<void()> on_poll;

  static void reset() {
    open_errno = mmap_errno = pread_errno = 0;
    report_char_device = false;
    slow_pread = false;
    poll_result = 0;
    poll_revents = 0;
    preads = polls = 0;
    on_poll = nullptr;
  }
  static vmc::os_interface make() {
    vmc::os_interface os;
    os.open = [](const char* p, int f) {
      if (open_errno != 0) {
        errno = open_errno;
        return -1;
      }
      return ::open(p, f);
    };
    os.fstat = [](int fd, struct stat* st) {
      const int r = ::fstat(fd, st);
      if (r == 0 && report_char_device) st->st_mode = (st->st_mode & ~static_cast<mode_t>(S_IFMT)) | S_IFCHR;
      return r;
    };
    os.mmap = [](void* a, std::size_t l, int prot, int flags, int fd, off_t o) -> void* {
      // The driver's own rules: read-only, one page, offset 0.
      if ((prot & PROT_WRITE) != 0) {
        errno = EROFS;
        return MAP_FAILED;
      }
      if (l != static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)) || o != 0) {
        errno = EINVAL;
        return MAP_FAILED;
      }
      if (mmap_errno != 0) {
        errno = mmap_errno;
        return MAP_FAILED;
      }
      return ::mmap(a, l, prot, flags, fd, o);
    };
    os.pread = [](int fd, void* b, std::size_t c, off_t o) -> ssize_t {
      ++preads;
      if (pread_errno != 0) {
        errno = pread_errno;
        return -1;
      }
      if (slow_pread && o < static_cast<off_t>(vmc::abi_size)) {
        // The structure in 48-byte pieces with a pause after each: seq_count and the last
        // fields are copied tens of microseconds apart, as by a preempted copy.
        const ssize_t n = ::pread(fd, b, std::min<std::size_t>(c, 48), o);
        std::this_thread::sleep_for(std::chrono::microseconds(20));
        return n;
      }
      return ::pread(fd, b, c, o);
    };
    os.poll = [](struct pollfd* f, nfds_t, int) {
      ++polls;
      if (on_poll) on_poll();
      f->revents = poll_revents;
      return poll_result;
    };
    return os;
  }
};

}  // namespace

TEST_CASE("device_page: a missing node or file is not_found, with the fix") {
  temp_dir t;
  mkdirs(t / "dev");
  const auto node = vmc::device_page::open(t / "dev/vmclock0");
  REQUIRE_FALSE(node.has_value());
  CHECK(node.error().code == vrtc::errc::not_found);
  CHECK(node.error().sys_errno == ENOENT);
  CHECK(node.error().path == t / "dev/vmclock0");
  // Not "no driver is bound": a bound driver makes no node for a page smaller than a kernel page.
  CHECK(node.error().what() == t / "dev/vmclock0" +
                                   ": open failed: No such file or directory; either no vmclock driver is bound to "
                                   "a device, or the driver is bound but made no node (it makes one only when the "
                                   "page is at least one kernel page): run `vmclock probe` to see which");
  const auto file = vmc::device_page::open(t / "page");
  REQUIRE_FALSE(file.has_value());
  CHECK(file.error().code == vrtc::errc::not_found);
  CHECK(file.error().message.find("vmclock-host --page PATH") != std::string::npos);
}

TEST_CASE("device_page: a node the reader may not read is permission_denied") {
  temp_dir t;
  write_page(t / "dev/vmclock0", sample_page());
  ::chmod((t / "dev/vmclock0").c_str(), 0600);

  // The refusal as the open system call reports it.
  fake_os::reset();
  fake_os::open_errno = EACCES;
  const auto injected = vmc::device_page::open(t / "dev/vmclock0", fake_os::make());
  REQUIRE_FALSE(injected.has_value());
  CHECK(injected.error().code == vrtc::errc::permission_denied);
  CHECK(injected.error().sys_errno == EACCES);
  CHECK(injected.error().message.find("udev rule") != std::string::npos);

  // And for real: an unprivileged process opening a root-owned 0600 file. Root may read anything,
  // so when the test runs as root a child drops to nobody (65534) first.
  int result[2];
  REQUIRE(::pipe(result) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(result[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
    const auto r = vmc::device_page::open(t / "dev/vmclock0");
    const int code = r.has_value() ? 0 : static_cast<int>(r.error().code);
    const int err = r.has_value() ? 0 : r.error().sys_errno;
    const int out[2] = {code, err};
    ::_exit(::write(result[1], out, sizeof out) == static_cast<ssize_t>(sizeof out) ? 0 : 4);
  }
  ::close(result[1]);
  int out[2] = {-1, -1};
  const bool got = ::read(result[0], out, sizeof out) == static_cast<ssize_t>(sizeof out);
  ::close(result[0]);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(got);
  // The temporary directory is 0700 too; either refusal is EACCES.
  CHECK(out[0] == static_cast<int>(vrtc::errc::permission_denied));
  CHECK(out[1] == EACCES);
}

TEST_CASE("device_page: short files, wrong magic, and paths that are not pages") {
  temp_dir t;
  write_file(t / "empty", "");
  write_file(t / "short", "VCLK0123456789");
  for (const auto& [name, bytes] : {std::pair<std::string, std::size_t>{"empty", 0}, {"short", 14}}) {
    const auto r = vmc::device_page::open(t / name);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == vrtc::errc::too_short);
    CHECK(r.error().what() == t / name + ": short page: " + std::to_string(bytes) +
                                  " bytes, a vmclock structure needs at least 32 (112 for every field); is the "
                                  "writer running?");
  }
  auto p = sample_page();
  p.magic = 0x4b4c4357;
  write_page(t / "magic", p);
  const auto magic = vmc::device_page::open(t / "magic");
  REQUIRE_FALSE(magic.has_value());
  CHECK(magic.error().code == vrtc::errc::bad_magic);
  CHECK(magic.error().message.find("magic 0x4b4c4357 instead of 0x4b4c4356") != std::string::npos);

  // A structure whose size claims more than the 100 bytes the file has.
  write_page(t / "truncated", sample_page(), 100);
  const auto truncated = vmc::device_page::open(t / "truncated");
  REQUIRE_FALSE(truncated.has_value());
  CHECK(truncated.error().code == vrtc::errc::bad_size);

  const auto dir = vmc::device_page::open(t.path());
  REQUIRE_FALSE(dir.has_value());
  CHECK(dir.error().code == vrtc::errc::invalid_argument);

  // A good page file opens, copied with pread (a file is never mapped: see the truncation test),
  // with the fields the writer put there.
  write_page(t / "good", sample_page(5));
  auto good = vmc::device_page::open(t / "good");
  REQUIRE(good.has_value());
  CHECK_FALSE(good->is_mapped());
  CHECK(good->map_errno() == 0);
  CHECK(good->notifications() == vmc::notification_mode::interval);
  CHECK(good->why_interval() == vmc::interval_reason::regular_file);
  const auto read = good->read();
  REQUIRE(read.has_value());
  CHECK(read->disruption_marker == 5u);
  CHECK(read->vm_generation_counter == 7u);
  CHECK(good->mapped_reader().error() == vrtc::errc::map_refused);

  // The page file shrinks after opening (the writer wiped it): reads report it.
  auto wiped = sample_page();
  wiped.version = 0;
  write_page(t / "good", wiped);
  const auto after = good->read();
  REQUIRE_FALSE(after.has_value());
  CHECK(after.error().code == vrtc::errc::bad_version);
}

TEST_CASE("device_page: real character devices take the device path") {
  // /dev/zero maps like a device page: mapped, then refused for its magic.
  const auto zero = vmc::device_page::open("/dev/zero");
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().code == vrtc::errc::bad_magic);
  CHECK(zero.error().message.find("magic 0x00000000") != std::string::npos);
  // /dev/null refuses the mapping (ENODEV); the pread fallback then reads nothing.
  const auto null = vmc::device_page::open("/dev/null");
  REQUIRE_FALSE(null.has_value());
  CHECK(null.error().code == vrtc::errc::too_short);
  CHECK(null.error().what() == "/dev/null: short page: 0 bytes, a vmclock structure needs at least 32 (112 for "
                               "every field); is the writer running?");
}

TEST_CASE("device_page: a refused mapping falls back to pread, and pread failures are reported") {
  temp_dir t;
  write_page(t / "dev/vmclock0", sample_page(9));
  // A writable mapping is what the driver refuses with EROFS; this layer never asks for one.
  const vmc::os_interface strict = fake_os::make();
  fake_os::reset();
  errno = 0;
  const int fd = ::open((t / "dev/vmclock0").c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  CHECK(strict.mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
  CHECK(errno == EROFS);
  ::close(fd);
  const auto erofs = vmc::detail::system_error("map", t / "dev/vmclock0", EROFS);
  CHECK(erofs.code == vrtc::errc::map_refused);
  CHECK(erofs.message == "map failed: Read-only file system; the device only allows read-only mappings: map it "
                         "PROT_READ, MAP_SHARED");

  for (const int refusal : {EROFS, EINVAL, EAGAIN, ENODEV}) {
    fake_os::reset();
    fake_os::report_char_device = true;  // only a device node is ever mapped
    fake_os::mmap_errno = refusal;
    auto page = vmc::device_page::open(t / "dev/vmclock0", fake_os::make());
    REQUIRE(page.has_value());
    CHECK_FALSE(page->is_mapped());
    CHECK(page->map_errno() == refusal);
    CHECK(page->mapped_reader().error() == vrtc::errc::map_refused);
    const int before = fake_os::preads;
    const auto r = page->read();
    REQUIRE(r.has_value());
    CHECK(r->disruption_marker == 9u);
    CHECK(fake_os::preads > before);  // every read copies the page again
    // The copy follows the file, as it shrinks and grows again.
    write_page(t / "dev/vmclock0", sample_page(10), vmc::abi_size);
    CHECK(page->read()->disruption_marker == 10u);
    CHECK(page->region().size() == vmc::abi_size);
    write_page(t / "dev/vmclock0", sample_page(9));
    CHECK(page->read()->disruption_marker == 9u);
    CHECK(page->region().size() == 4096u);
  }

  // A regular file copied with pread (slowly) while a writer updates it through a mapping: the
  // copy is taken again until two agree, so no read mixes two versions.
  {
    fake_os::reset();
    fake_os::slow_pread = true;
    auto page = vmc::device_page::open(t / "dev/vmclock0", fake_os::make());
    REQUIRE(page.has_value());
    REQUIRE_FALSE(page->is_mapped());
    const int live = ::open((t / "dev/vmclock0").c_str(), O_RDWR);
    REQUIRE(live >= 0);
    void* const rw = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, live, 0);
    REQUIRE(rw != MAP_FAILED);
    auto w = vmc::writer::create(std::span<std::byte>(static_cast<std::byte*>(rw), 4096), sample_page(1));
    REQUIRE(w.has_value());
    std::atomic<bool> stop{false};
    std::thread writer([&] {
      for (std::uint64_t k = 2; !stop.load(std::memory_order_relaxed); ++k) {
        auto v = sample_page(k);
        v.vm_generation_counter = 3 * k;
        v.time_sec = 1'800'000'000 + k;
        w->publish(v);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });
    int torn = 0, reads = 0, failed = 0;
    std::uint64_t versions = 0, last = 0;
    const auto end = std::chrono::steady_clock::now() + 5s;
    while ((reads < 300 || versions < 50) && std::chrono::steady_clock::now() < end) {
      const auto r = page->read();
      if (!r) {
        ++failed;  // a copy that never settled: reported, never returned
        CHECK(r.error().code == vrtc::errc::retry_limit);
        continue;
      }
      ++reads;
      const std::uint64_t k = r->disruption_marker;
      if (k >= 2 && (r->vm_generation_counter != 3 * k || r->time_sec != 1'800'000'000 + k)) ++torn;
      if (k != last) ++versions;
      last = k;
    }
    stop = true;
    writer.join();
    ::munmap(rw, 4096);
    ::close(live);
    WARN("pread copies of a live page file: " << reads << " reads, " << torn << " torn, " << failed
                                              << " unsettled, " << versions << " versions seen");
    CHECK(reads >= 300);
    CHECK(torn == 0);
    CHECK(versions >= 50);
    write_page(t / "dev/vmclock0", sample_page(9));
  }

  // pread failing: ETIMEDOUT is the driver's seqlock deadline; others are I/O errors.
  for (const auto& [err, code] : {std::pair{ETIMEDOUT, vrtc::errc::timed_out}, std::pair{EIO, vrtc::errc::io_error}}) {
    fake_os::reset();
    fake_os::report_char_device = true;
    fake_os::mmap_errno = EINVAL;
    fake_os::pread_errno = err;
    const auto r = vmc::device_page::open(t / "dev/vmclock0", fake_os::make());
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == code);
    CHECK(r.error().sys_errno == err);
    if (err == ETIMEDOUT) CHECK(r.error().message.find("within 100 ms") != std::string::npos);
  }
}

TEST_CASE("device_page: poll() with NOTIFICATION_PRESENT, interval re-reads otherwise") {
  temp_dir t;
  const std::string path = t / "dev/vmclock0";
  auto p = sample_page();
  p.flags |= vmc::flag::notification_present;
  write_page(path, p);

  // The driver answers POLLHUP when it has no notification support: interval mode.
  fake_os::reset();
  fake_os::report_char_device = true;
  fake_os::poll_result = 1;
  fake_os::poll_revents = POLLHUP;
  auto hup = vmc::device_page::open(path, fake_os::make());
  REQUIRE(hup.has_value());
  CHECK(hup->is_device());
  CHECK(hup->notifications() == vmc::notification_mode::interval);

  // No flag: never polled.
  write_page(path, sample_page());
  fake_os::reset();
  fake_os::report_char_device = true;
  auto plain = vmc::device_page::open(path, fake_os::make());
  REQUIRE(plain.has_value());
  CHECK(plain->notifications() == vmc::notification_mode::interval);
  CHECK(fake_os::polls == 0);

  // Flag and a driver that waits: poll mode, and the open acknowledged the current seq_count
  // with a read so that poll() waits for the next change.
  write_page(path, p);
  fake_os::reset();
  fake_os::report_char_device = true;
  auto notified = vmc::device_page::open(path, fake_os::make());
  REQUIRE(notified.has_value());
  CHECK(notified->notifications() == vmc::notification_mode::poll);
  CHECK(fake_os::preads == 1);

  // The "interrupt": the device publishes, then poll() returns POLLIN.
  const int fd = ::open(path.c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  void* const rw = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(rw != MAP_FAILED);
  auto w = vmc::writer::create(std::span<std::byte>(static_cast<std::byte*>(rw), 4096), p);
  REQUIRE(w.has_value());
  const auto seen = notified->read();
  REQUIRE(seen.has_value());
  fake_os::poll_result = 1;
  fake_os::poll_revents = POLLIN;
  fake_os::on_poll = [&] { w->mark_disruption(); };
  const int polls_before = fake_os::polls;
  const auto woke = notified->wait_for_update(seen->seq_count, 5s);
  REQUIRE(woke.has_value());
  CHECK(*woke);
  CHECK(fake_os::polls == polls_before + 1);
  CHECK(notified->read()->disruption_marker == seen->disruption_marker + 1);

  // Interval mode: a writer thread publishes after a while; the wait notices. Nothing published:
  // the wait ends at its timeout.
  auto file = vmc::device_page::open(path);
  REQUIRE(file.has_value());
  CHECK(file->notifications() == vmc::notification_mode::interval);
  const auto now = file->read();
  REQUIRE(now.has_value());
  const auto start = std::chrono::steady_clock::now();
  const auto quiet = file->wait_for_update(now->seq_count, 60ms, 10ms);
  REQUIRE(quiet.has_value());
  CHECK_FALSE(*quiet);
  CHECK(std::chrono::steady_clock::now() - start >= 60ms);
  std::thread publisher([&] {
    std::this_thread::sleep_for(30ms);
    w->mark_snapshot_restore();
  });
  const auto changed = file->wait_for_update(now->seq_count, 5s, 5ms);
  publisher.join();
  REQUIRE(changed.has_value());
  CHECK(*changed);
  CHECK(file->read()->vm_generation_counter == now->vm_generation_counter + 1);
  ::munmap(rw, 4096);
  ::close(fd);
}

// --- two processes -----------------------------------------------------------------------------

namespace {

std::uint64_t tai_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_TAI, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

/// Version k of a page whose counter relation is calibrated against CLOCK_TAI: every publication
/// re-anchors at (counter, CLOCK_TAI), with the period `hz`, and a cross-field invariant
/// (disruption_marker = k, vm_generation_counter = 3k + 1, time_esterror_nanosec = k) that a
/// torn read would break.
vmc::page_data calibrated(std::uint64_t k, std::uint64_t hz) {
  vmc::page_data p;
  p.counter_id = static_cast<vmc::counter_id>(*vrtc::hardware_counter_id());
  p.time_type = vmc::time_type::tai;
  p.clock_status = vmc::clock_status::synchronized;
  p.flags = vmc::flag::vm_gen_counter_present | vmc::flag::time_maxerror_valid | vmc::flag::period_maxerror_valid |
            vmc::flag::time_esterror_valid;
  p.disruption_marker = k;
  p.vm_generation_counter = 3 * k + 1;
  p.time_esterror_nanosec = k;
  const auto period = vrtc::best_counter_period(hz);
  p.counter_period_frac_sec = period->frac_sec;
  p.counter_period_shift = period->shift;
  const std::uint64_t before = tai_now_ns();
  p.counter_value = vrtc::hardware_counter().value_or(0);
  const std::uint64_t after = tai_now_ns();
  const std::uint64_t at = before + (after - before) / 2;
  p.time_sec = at / 1'000'000'000u;
  p.time_frac_sec = vrtc::ns_to_frac(at % 1'000'000'000u);
  // Anchor uncertainty plus a generous allowance; the period may be off by 1000 ppm.
  p.time_maxerror_nanosec = (after - before) + 200'000;
  p.counter_period_maxerror_rate_frac_sec = period->frac_sec / 1000;
  return p;
}

}  // namespace

TEST_CASE("two processes: a writer publishing a page file, a reader opening it as a device") {
  if (!vrtc::hardware_counter_available) {
    WARN("no hardware counter on this platform: the time check needs one");
    return;
  }
  temp_dir t;
  const std::string path = t / "page";
  // The writer's calibration: the counter frequency against CLOCK_TAI over 20 ms.
  const std::uint64_t t0 = tai_now_ns();
  const std::uint64_t c0 = *vrtc::hardware_counter();
  std::this_thread::sleep_for(20ms);
  const std::uint64_t t1 = tai_now_ns();
  const std::uint64_t c1 = *vrtc::hardware_counter();
  const auto hz = static_cast<std::uint64_t>(static_cast<double>(c1 - c0) * 1e9 / static_cast<double>(t1 - t0));

  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, 4096) == 0);
  void* const rw = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(rw != MAP_FAILED);
  auto w = vmc::writer::create(std::span<std::byte>(static_cast<std::byte*>(rw), 4096), calibrated(0, hz));
  REQUIRE(w.has_value());

#if defined(VRTC_TEST_SANITIZED)
  constexpr std::uint64_t reads = 20'000;
#else
  constexpr std::uint64_t reads = 200'000;
#endif
  int result[2];
  REQUIRE(::pipe(result) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The reader: its own process, opening the file through the device path (read-only map).
    ::close(result[0]);
    std::uint64_t out[6] = {0, 0, 0, 0, 0, 0};  // reads, torn, outside bound, worst |error|, versions, mapped
    // A file is copied with pread until two copies agree; against a writer that publishes
    // without pause that can take more than the 100 copies one open allows (retry_limit, as the
    // driver's read gives ETIMEDOUT): open again, as readings are retried below.
    auto page = vmc::device_page::open(path);
    for (const auto give_up = std::chrono::steady_clock::now() + 10s;
         !page && page.error().code == vrtc::errc::retry_limit && std::chrono::steady_clock::now() < give_up;)
      page = vmc::device_page::open(path);
    if (page) {
      out[5] = page->is_mapped() ? 1 : 0;
      std::uint64_t last = 0;
      const auto end = std::chrono::steady_clock::now() + 20s;
      // Until enough readings were taken while the writer really was publishing.
      while ((out[0] < reads || out[4] < 10) && std::chrono::steady_clock::now() < end) {
        const std::uint64_t before = tai_now_ns();
        const auto r = page->now();
        const std::uint64_t after = tai_now_ns();
        if (!r) continue;
        ++out[0];
        const std::uint64_t k = r->disruption_marker();
        if (r->vm_generation_counter() != 3 * k + 1 || r->est_error_ns() != k || k < last) ++out[1];
        if (k != last) ++out[4];
        last = k;
        // The page's time must lie within max_error of the CLOCK_TAI bracket of the reading.
        const std::uint64_t ns = r->time().sec * 1'000'000'000u + r->nanoseconds();
        const std::uint64_t bound = r->max_error_ns().value_or(0);
        const std::uint64_t off = ns < before ? before - ns : ns > after ? ns - after : 0;
        if (off > bound) ++out[2];
        out[3] = std::max(out[3], off);
      }
    }
    ::_exit(::write(result[1], out, sizeof out) == static_cast<ssize_t>(sizeof out) ? 0 : 1);
  }
  ::close(result[1]);
  // The writer: bursts of 64 publications until the reader is done, with a pause after each.
  // Without pauses two pread copies of the file would agree only by luck of scheduling, and
  // how many readings the reader gets would measure the machine, not the library; the bursts
  // still race every copy that overlaps them.
  std::uint64_t k = 0;
  int status = 0;
  pid_t done = 0;
  while (done == 0) {
    for (int i = 0; i < 64; ++i) w->publish(calibrated(++k, hz));
    std::this_thread::sleep_for(50us);
    done = ::waitpid(child, &status, WNOHANG);
  }
  std::uint64_t got[6] = {0, 0, 0, 0, 0, 0};
  const bool received = ::read(result[0], got, sizeof got) == static_cast<ssize_t>(sizeof got);
  ::close(result[0]);
  ::munmap(rw, 4096);
  ::close(fd);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(received);
  WARN("reader: " << got[0] << " readings, " << got[1] << " torn, " << got[2] << " outside the bound, worst "
                  << got[3] << " ns from the CLOCK_TAI bracket, " << got[4] << " versions seen; writer: " << k
                  << " publications");
  CHECK(got[5] == 0);  // a file is copied with pread, never mapped
  CHECK(got[0] >= reads);
  CHECK(got[1] == 0);
  CHECK(got[2] == 0);
  CHECK(got[4] >= 10);
}

// --- files that change under the reader, paths that are not pages, drivers whose poll() spins ---

namespace {

/// Fails the test (the process dies of SIGALRM) instead of hanging it when a call blocks.
struct hang_guard {
  explicit hang_guard(unsigned seconds) { ::alarm(seconds); }
  hang_guard(const hang_guard&) = delete;
  hang_guard& operator=(const hang_guard&) = delete;
  ~hang_guard() { ::alarm(0); }
};

}  // namespace

TEST_CASE("device_page: a page file truncated while open is an error, never SIGBUS") {
  temp_dir t;
  const std::string path = t / "page";
  write_page(path, sample_page(4));
  auto page = vmc::device_page::open(path);
  REQUIRE(page.has_value());
  REQUIRE(page->read().has_value());
  // at() gives the sample of the page at the caller's counter, as clock_sample::at does.
  const auto before = page->at(5'000);
  const auto want = vmc::clock_sample::at(sample_page(4), 5'000);
  REQUIRE(before.has_value() == want.has_value());
  if (want) CHECK(before->reading() == want->reading());
  else CHECK(before.error().code == want.error());  // no counter here: counter_id INVALID

  // Truncated to nothing: every access path reports it, with what happened.
  REQUIRE(::truncate(path.c_str(), 0) == 0);
  const auto read = page->read();
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().code == vrtc::errc::too_short);
  CHECK(read.error().what() == path + ": the page file shrank to 0 bytes (it had 4096 when opened): truncated or "
                                      "replaced by its writer");
  const auto now = page->now();
  REQUIRE_FALSE(now.has_value());
  CHECK(now.error().code == vrtc::errc::too_short);
  const auto at = page->at(0);
  REQUIRE_FALSE(at.has_value());
  CHECK(at.error().code == vrtc::errc::too_short);
  const auto wait = page->wait_for_update(0, 10ms, 1ms);
  REQUIRE_FALSE(wait.has_value());
  CHECK(wait.error().code == vrtc::errc::too_short);

  // Truncated below the structure's size field: the header check refuses what is left.
  write_page(path, sample_page(4));
  REQUIRE(page->read().has_value());
  REQUIRE(::truncate(path.c_str(), 64) == 0);
  const auto partial = page->read();
  REQUIRE_FALSE(partial.has_value());
  CHECK(partial.error().code == vrtc::errc::bad_size);

  // A file that is truncated and rewritten over and over while it is read: each read is a
  // page or an error, never a signal.
  write_page(path, sample_page(4));
  std::string bytes(4096, '\0');
  REQUIRE(vmc::encode(sample_page(4), std::as_writable_bytes(std::span<char>(bytes))).has_value());
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    const int fd = ::open(path.c_str(), O_RDWR);
    while (fd >= 0 && !stop.load(std::memory_order_relaxed)) {
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, bytes.data(), bytes.size(), 0) != 4096) break;
    }
    ::close(fd);
  });
  int good = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    const auto r = page->read();
    if (r) {
      ++good;
      CHECK(r->disruption_marker == 4u);
    } else {
      ++refused;
    }
  }
  stop = true;
  churn.join();
  CHECK(good + refused == 20000);
}

TEST_CASE("open_checked: a FIFO, socket or directory is refused by type without blocking") {
  hang_guard guard(20);
  temp_dir t;
  const std::string fifo = t / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  // No writer and no reader at the other end: a blocking open would wait forever.
  for (const int flags : {O_RDONLY, O_WRONLY, O_RDWR, O_WRONLY | O_CREAT | O_TRUNC}) {
    const auto f = vmc::open_checked(fifo, flags, vmc::file_kinds::regular_or_device);
    REQUIRE_FALSE(f);
    CHECK(f.error().wrong_kind);
    CHECK(f.error().type == S_IFIFO);
    CHECK(vmc::describe_failure(f.error(), vmc::file_kinds::regular) == "is a FIFO (named pipe), not a regular file");
  }
  const auto dir = vmc::open_checked(t.path(), O_RDONLY, vmc::file_kinds::regular);
  REQUIRE_FALSE(dir);
  CHECK(dir.error().wrong_kind);
  CHECK(vmc::describe_failure(dir.error(), vmc::file_kinds::regular) == "is a directory, not a regular file");
  const auto missing = vmc::open_checked(t / "missing", O_RDONLY, vmc::file_kinds::regular);
  REQUIRE_FALSE(missing);
  CHECK_FALSE(missing.error().wrong_kind);
  CHECK(missing.error().sys_errno == ENOENT);
  CHECK(vmc::describe_failure(missing.error(), vmc::file_kinds::regular) == "open failed: No such file or directory");
  // A character device is refused where only regular files are wanted, accepted otherwise.
  const auto null_regular = vmc::open_checked("/dev/null", O_RDONLY, vmc::file_kinds::regular);
  REQUIRE_FALSE(null_regular);
  CHECK(null_regular.error().wrong_kind);
  auto null_ok = vmc::open_checked("/dev/null", O_RDONLY, vmc::file_kinds::regular_or_device);
  REQUIRE(null_ok);
  ::close(null_ok->fd);

  // A regular file: the descriptor is blocking again, and O_TRUNC applies only to it.
  write_file(t / "file", "content");
  auto file = vmc::open_checked(t / "file", O_WRONLY | O_TRUNC, vmc::file_kinds::regular);
  REQUIRE(file);
  CHECK((::fcntl(file->fd, F_GETFL) & O_NONBLOCK) == 0);
  CHECK((::fcntl(file->fd, F_GETFD) & FD_CLOEXEC) != 0);
  struct stat st {};
  REQUIRE(::fstat(file->fd, &st) == 0);
  CHECK(st.st_size == 0);
  CHECK(file->st.st_size == 0);
  ::close(file->fd);
}

TEST_CASE("device_page and discovery: a FIFO where a page or a sysfs file should be fails at once") {
  hang_guard guard(20);
  temp_dir t;
  fake_acpi_vm(t);
  REQUIRE(::mkfifo((t / "dev/vmclock0").c_str(), 0644) == 0);
  const auto page = vmc::device_page::open(t / "dev/vmclock0");
  REQUIRE_FALSE(page.has_value());
  CHECK(page.error().code == vrtc::errc::invalid_argument);
  CHECK(page.error().what() == t / "dev/vmclock0" + ": is a FIFO (named pipe), neither a device node nor a regular "
                                                    "file: give a vmclock device (/dev/vmclockN) or a page file");

  // Every file discovery reads, as a FIFO: reported as unreadable, the probe still ends.
  ::unlink((t / "proc/iomem").c_str());
  REQUIRE(::mkfifo((t / "proc/iomem").c_str(), 0644) == 0);
  ::unlink((t / "sys/devices/platform/AMZNC10C:00/modalias").c_str());
  REQUIRE(::mkfifo((t / "sys/devices/platform/AMZNC10C:00/modalias").c_str(), 0644) == 0);
  mkdirs(t / "boot");
  REQUIRE(::mkfifo((t / "boot/config-6.18.0-test").c_str(), 0644) == 0);
  const auto r = vmc::discover(options_for(t));
  REQUIRE(r.nodes.size() == 1);
  CHECK_FALSE(r.nodes[0].char_device);
  CHECK(r.config.state == vmc::config_state::unknown);
  REQUIRE(r.devices.size() == 1);
  CHECK_FALSE(r.devices[0].range.has_value());
}

TEST_CASE("device_page: a poll() that never blocks falls back to interval waits") {
  temp_dir t;
  const std::string path = t / "dev/vmclock0";
  auto p = sample_page();
  p.flags |= vmc::flag::notification_present;
  write_page(path, p);

  // A driver without a poll operation: the kernel reports the default mask (readable and
  // writable) at once, every time. Open finds out before any wait.
  fake_os::reset();
  fake_os::report_char_device = true;
  fake_os::poll_result = 1;
  fake_os::poll_revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
  auto spinning = vmc::device_page::open(path, fake_os::make());
  REQUIRE(spinning.has_value());
  CHECK(spinning->notifications() == vmc::notification_mode::interval);
  CHECK(spinning->why_interval() == vmc::interval_reason::poll_never_blocks);
  CHECK(fake_os::polls == vmc::idle_wakeups_limit);
  const auto seen = spinning->read();
  REQUIRE(seen.has_value());
  const int polls_after_open = fake_os::polls;
  const auto start = std::chrono::steady_clock::now();
  const auto quiet = spinning->wait_for_update(seen->seq_count, 200ms, 20ms);
  REQUIRE(quiet.has_value());
  CHECK_FALSE(*quiet);
  CHECK(std::chrono::steady_clock::now() - start >= 200ms);
  CHECK(fake_os::polls == polls_after_open);  // interval waits do not poll

  // A poll() that waited at open and stops waiting later: the wait notices after a few idle
  // wake-ups and sleeps at the interval instead of spinning until the timeout.
  fake_os::reset();
  fake_os::report_char_device = true;
  auto later = vmc::device_page::open(path, fake_os::make());
  REQUIRE(later.has_value());
  REQUIRE(later->notifications() == vmc::notification_mode::poll);
  fake_os::poll_result = 1;
  fake_os::poll_revents = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
  const int before = fake_os::polls;
  const auto waited = later->wait_for_update(seen->seq_count, 200ms, 20ms);
  REQUIRE(waited.has_value());
  CHECK_FALSE(*waited);
  CHECK(fake_os::polls - before == vmc::idle_wakeups_limit);
  CHECK(later->notifications() == vmc::notification_mode::interval);
  CHECK(later->why_interval() == vmc::interval_reason::poll_never_blocks);

  // Wake-ups that each come with a real change are not idle: poll mode stays.
  fake_os::reset();
  fake_os::report_char_device = true;
  auto live = vmc::device_page::open(path, fake_os::make());
  REQUIRE(live.has_value());
  const int fd = ::open(path.c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  void* const rw = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  REQUIRE(rw != MAP_FAILED);
  auto w = vmc::writer::create(std::span<std::byte>(static_cast<std::byte*>(rw), 4096), p);
  REQUIRE(w.has_value());
  fake_os::poll_result = 1;
  fake_os::poll_revents = POLLIN;
  fake_os::on_poll = [&] { w->mark_disruption(); };
  for (int i = 0; i < 10; ++i) {
    const auto cur = live->read();
    REQUIRE(cur.has_value());
    const auto changed = live->wait_for_update(cur->seq_count, 5s);
    REQUIRE(changed.has_value());
    CHECK(*changed);
  }
  CHECK(live->notifications() == vmc::notification_mode::poll);
  ::munmap(rw, 4096);
  ::close(fd);
}

TEST_CASE("discovery: a bound device whose region is smaller than a kernel page has no node, and says why") {
  temp_dir t;
  fake_acpi_vm(t);
  mkdirs(t / "sys/bus/platform/drivers/vmclock");
  link_to("../../../bus/platform/drivers/vmclock", t / "sys/devices/platform/AMZNC10C:00/driver");
  write_file(t / "proc/iomem", "00100000-bfffffff : System RAM\n  feffb000-feffb7ff : AMZNC10C:00\n");
  write_file(t / "boot/config-6.18.0-test", "CONFIG_PTP_1588_CLOCK_VMCLOCK=y\n");
  const auto r = vmc::discover(options_for(t));
  REQUIRE(r.devices.size() == 1);
  CHECK(r.devices[0].node_note ==
        "no node for it: its region is 2048 bytes, less than the kernel's 4096-byte page, and the driver makes "
        "/dev/vmclockN only for a page of at least one kernel page");
  CHECK(vmc::summary(r) ==
        "ACPI device AMZNC10C:00 at 0xfeffb000-0xfeffb7ff, driver vmclock bound, no node for it: its region is 2048 "
        "bytes, less than the kernel's 4096-byte page, and the driver makes /dev/vmclockN only for a page of at "
        "least one kernel page; kernel built with CONFIG_PTP_1588_CLOCK_VMCLOCK=y; no /dev/vmclock0");

  // A 4 KiB region on a 64 KiB-page kernel: the same.
  write_file(t / "proc/iomem", "  000de000-000defff : AMZNC10C:00\n");
  auto o = options_for(t);
  o.page_size = 65536;
  const auto big_pages = vmc::discover(o);
  REQUIRE(big_pages.devices.size() == 1);
  CHECK(big_pages.devices[0].node_note.find("its region is 4096 bytes, less than the kernel's 65536-byte page") !=
        std::string::npos);

  // A region of a whole page and still no node: only the page's own size field can be the
  // reason, which the probe cannot read; it says what the driver requires.
  const auto page_region = vmc::discover(options_for(t));
  CHECK(page_region.devices[0].node_note ==
        "but no node: the driver makes /dev/vmclockN only when the page's size field is at least the kernel's page "
        "size (4096 bytes)");
  // With a node there is nothing to explain; without the driver neither.
  write_file(t / "dev/vmclock0", "");
  CHECK(vmc::discover(options_for(t)).devices[0].node_note.empty());
  ::unlink((t / "dev/vmclock0").c_str());
  ::unlink((t / "sys/devices/platform/AMZNC10C:00/driver").c_str());
  CHECK(vmc::discover(options_for(t)).devices[0].node_note.empty());
}
