// Argument handling and errors shared by the command-line tools. CLI11 parses the arguments;
// a usage error or any other failure becomes one line, {"error": "..."} on standard output
// by default, and exit status 2. Not part of the library.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "json.hpp"

namespace vrtc_tools {

/// Exit statuses common to every tool.
inline constexpr int exit_ok = 0;
inline constexpr int exit_check_failed = 1;
inline constexpr int exit_usage = 2;

/// A failure of a tool, caused by its input or its environment; `why` is shown to the user.
struct failure {
  std::string why;
};

[[noreturn]] inline void fail(std::string why) { throw failure{std::move(why)}; }

/// Prints `why` as the one-line JSON error on standard output.
inline void print_json_error(const std::string& why) {
  std::printf("%s\n", json_object().add("error", why).str().c_str());
}

/// Help: a command's description is its hand-written synopsis ("usage: ...") and explanation,
/// printed first; CLI11's generic usage line is left out when there is one, its option and
/// subcommand lists follow.
class help_formatter : public CLI::Formatter {
 public:
  std::string make_usage(const CLI::App* app, std::string name) const override {
    if (!app->get_description().empty()) return {};
    return CLI::Formatter::make_usage(app, std::move(name));
  }
  /// In a list of subcommands, each one's synopsis line alone.
  std::string make_subcommand(const CLI::App* sub) const override {
    const std::string& d = sub->get_description();
    std::stringstream out;
    CLI::detail::format_help(out, sub->get_name(), d.substr(0, d.find('\n')), column_width_);
    return out.str();
  }
};

/// A CLI11 application set up the way every tool uses it; subcommands inherit the setup.
inline void setup(CLI::App& app) {
  app.formatter(std::make_shared<help_formatter>());
  app.set_help_flag("-h,--help", "Print this help and exit");
  app.get_formatter()->column_width(28);
}

/// A CLI11 parse error as one clear line: CLI11's message and where to look for help.
[[nodiscard]] inline std::string usage_error(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* top = &app;
  while (top->get_parent() != nullptr) top = top->get_parent();
  return std::string(e.what()) + "; try " + top->get_name() + " --help";
}

/// Parses argv into `app`. Returns the exit status when the tool is done already: 0 after
/// printing the help asked for, 2 after reporting a usage error with `report`.
[[nodiscard]] inline std::optional<int> parse(CLI::App& app, int argc, const char* const* argv,
                                              const std::function<void(const std::string&)>& report = print_json_error) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return exit_ok;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return exit_ok;
  } catch (const CLI::ParseError& e) {
    report(usage_error(app, e));
    return exit_usage;
  }
  return std::nullopt;
}

/// Returns body()'s exit status; a failure or any other exception prints the one-line JSON
/// error and gives 2.
template <class Body>
int report_failures(Body&& body) noexcept {
  try {
    return std::forward<Body>(body)();
  } catch (const failure& f) {
    print_json_error(f.why);
  } catch (const std::exception& e) {
    print_json_error(std::string("internal error: ") + e.what());
  } catch (...) {
    print_json_error("internal error");
  }
  return exit_usage;
}

}  // namespace vrtc_tools
