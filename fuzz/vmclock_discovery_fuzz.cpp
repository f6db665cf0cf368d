// Fuzz target: the text parsers of vmclock discovery -- /proc/iomem, a kernel .config, an ACPI
// modalias, a devicetree `compatible` list -- against independent references written here.
//
// Input: one selector byte, then the text. Every parser must agree with its reference, which
// splits and scans the text a different way (stream lines, strtoull, padded searches).
#include <vmclock/linux/discovery.hpp>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace vmc = vrtc::vmclock;

void require(bool ok) {
  if (!ok) __builtin_trap();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

/// 1 to 16 hexadecimal digits and nothing else, as a number.
std::optional<std::uint64_t> hex_number(const std::string& s) {
  if (s.empty() || s.size() > 16) return std::nullopt;
  for (const char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
  return std::strtoull(s.c_str(), nullptr, 16);
}

void check_iomem(const std::string& text) {
  std::vector<vmc::detail::iomem_entry> want;
  for (const auto& line : lines_of(text)) {
    const auto sep = line.find(" : ");
    if (sep == std::string::npos) continue;
    std::string left = line.substr(0, sep);
    left.erase(0, std::min(left.find_first_not_of(' '), left.size()));
    const auto dash = left.find('-');
    if (dash == std::string::npos) continue;
    const auto first = hex_number(left.substr(0, dash));
    const auto last = hex_number(left.substr(dash + 1));
    if (!first || !last) continue;
    want.push_back({{*first, *last}, line.substr(sep + 3)});
  }
  const auto got = vmc::detail::parse_iomem(text);
  require(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    require(got[i].range == want[i].range);
    require(got[i].name == want[i].name);
    // The range prints as /proc/iomem's own numbers do.
    char buf[48];
    std::snprintf(buf, sizeof buf, "0x%llx-0x%llx", static_cast<unsigned long long>(want[i].range.first),
                  static_cast<unsigned long long>(want[i].range.last));
    require(vmc::to_string(got[i].range) == buf);
  }
}

void check_config(const std::string& text) {
  const std::string option = "CONFIG_PTP_1588_CLOCK_VMCLOCK";
  vmc::config_state want = vmc::config_state::absent;
  for (const auto& line : lines_of(text)) {
    if (line.rfind(option + "=", 0) == 0) {
      const std::string value = line.substr(option.size() + 1);
      want = value == "y" ? vmc::config_state::built_in
             : value == "m" ? vmc::config_state::module
                            : vmc::config_state::not_set;
      break;
    }
    if (line == "# " + option + " is not set") {
      want = vmc::config_state::not_set;
      break;
    }
  }
  require(vmc::parse_kernel_config(text, option) == want);
}

void check_modalias(const std::string& text) {
  const auto got = vmc::detail::acpi_identity(text);
  bool want = false;
  if (text.rfind("acpi:", 0) == 0) {
    const std::string padded = std::string(":").append(text, 5).append(":");
    want = padded.find(":AMZNC10C:") != std::string::npos || padded.find(":VMCLOCK:") != std::string::npos;
  }
  require(got.has_value() == want);
  if (got) require(got->rfind("HID ", 0) == 0);
}

void check_compatible(const std::string& text) {
  const std::string padded = std::string(1, '\0') + text + std::string(1, '\0');
  const bool want = padded.find(std::string("\0amazon,vmclock\0", 16)) != std::string::npos;
  require(vmc::detail::dt_compatible(text) == want);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0 || size > 65536) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 4) {
    case 0: check_iomem(text); break;
    case 1: check_config(text); break;
    case 2: check_modalias(text); break;
    default: check_compatible(text); break;
  }
  return 0;
}
