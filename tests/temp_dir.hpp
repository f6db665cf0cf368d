// A temporary directory for tests that build fake trees or page files, removed with
// everything in it, and the helpers that fill it.
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <system_error>

namespace vrtc_test {

class temp_dir {
 public:
  temp_dir() {
    char tmpl[] = "/tmp/vrtc-test-XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

/// Creates `path` and every directory above it (those that exist already are fine).
inline void mkdirs(const std::string& path) {
  for (std::size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    ::mkdir(path.substr(0, pos).c_str(), 0755);
  }
}

/// Writes `content` to `path`, creating the directories above it.
inline void write_file(const std::string& path, const std::string& content) {
  mkdirs(path.substr(0, path.rfind('/')));
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  ::close(fd);
}

/// A symbolic link at `path` to `target`, creating the directories above it.
inline void link_to(const std::string& target, const std::string& path) {
  mkdirs(path.substr(0, path.rfind('/')));
  REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
}

}  // namespace vrtc_test
