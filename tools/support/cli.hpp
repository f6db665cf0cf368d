// Error handling shared by the command-line tools: any failure becomes one line of JSON,
// {"error": "..."}, on standard output and exit status 2. Not part of the library.
#pragma once

#include <cstdio>
#include <exception>
#include <string>
#include <utility>

#include "json.hpp"

namespace vrtc_tools {

/// A failure of a tool, caused by its input or its environment; `why` is shown to the user.
struct failure {
  std::string why;
};

[[noreturn]] inline void fail(std::string why) { throw failure{std::move(why)}; }

/// Returns body()'s exit status; a failure or any other exception prints the one-line JSON
/// error and gives 2.
template <class Body>
int report_failures(Body&& body) noexcept {
  const auto print = [](const std::string& why) {
    std::printf("%s\n", json_object().add("error", why).str().c_str());
  };
  try {
    return std::forward<Body>(body)();
  } catch (const failure& f) {
    print(f.why);
  } catch (const std::exception& e) {
    print(std::string("internal error: ") + e.what());
  } catch (...) {
    print("internal error");
  }
  return 2;
}

}  // namespace vrtc_tools
