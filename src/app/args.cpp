#include "app/args.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <utility>

#include "core/error.h"

namespace emoaug::app {

ArgParser::ArgParser(std::string usage_name, std::string summary)
    : usage_name_(std::move(usage_name)), summary_(std::move(summary)) {
  // -h and --help are answered before other options are looked at; this entry feeds the help.
  Entry e;
  e.name = "help";
  e.help = "show this help and exit";
  e.flag = &help_requested_;
  e.short_name = 'h';
  options_.push_back(std::move(e));
}

void ArgParser::positional(const std::string& name, const std::string& help, std::string* out,
                           bool required) {
  Entry e;
  e.name = name;
  e.help = help;
  e.value = out;
  e.required = required;
  positionals_.push_back(e);
}

void ArgParser::add_option(Entry e) {
  EMOAUG_CHECK(!find_option(e.name), "option --", e.name, " declared twice");
  EMOAUG_CHECK(!e.short_name || !find_short(e.short_name), "short option -", e.short_name,
               " declared twice");
  options_.push_back(std::move(e));
}

void ArgParser::option(const std::string& name, const std::string& metavar, const std::string& help,
                       std::string* out, char short_name) {
  Entry e;
  e.name = name;
  e.metavar = metavar;
  e.help = help;
  e.value = out;
  e.short_name = short_name;
  add_option(std::move(e));
}

void ArgParser::option_list(const std::string& name, const std::string& metavar,
                            const std::string& help, std::vector<std::string>* out,
                            char short_name) {
  Entry e;
  e.name = name;
  e.metavar = metavar;
  e.help = help;
  e.values = out;
  e.short_name = short_name;
  add_option(std::move(e));
}

void ArgParser::flag(const std::string& name, const std::string& help, bool* out, char short_name) {
  Entry e;
  e.name = name;
  e.help = help;
  e.flag = out;
  e.short_name = short_name;
  add_option(std::move(e));
}

const ArgParser::Entry* ArgParser::find_option(const std::string& name) const {
  for (const Entry& e : options_)
    if (e.name == name) return &e;
  return nullptr;
}

const ArgParser::Entry* ArgParser::find_short(char name) const {
  for (const Entry& e : options_)
    if (e.short_name == name) return &e;
  return nullptr;
}

void ArgParser::take(const Entry& e, const std::string& spelling, const std::string& value) {
  if (e.flag) {
    *e.flag = true;
  } else if (e.values) {
    e.values->push_back(value);
  } else {
    EMOAUG_CHECK(e.value, spelling, " has no destination");
    *e.value = value;
  }
}

bool ArgParser::parse(int argc, char** argv, int first) {
  size_t next_positional = 0;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string name = arg.substr(2), inline_value;
      bool has_inline = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_inline = true;
      }
      const Entry* e = find_option(name);
      if (!e) EMOAUG_FAIL(usage_name_, ": unknown option --", name, " (see --help)");
      if (e->flag) {
        if (has_inline) EMOAUG_FAIL(usage_name_, ": --", name, " takes no value");
        take(*e, "--" + name, "");
        continue;
      }
      if (!has_inline && i + 1 >= argc)
        EMOAUG_FAIL(usage_name_, ": --", name, " needs a value ", e->metavar);
      take(*e, "--" + name, has_inline ? inline_value : argv[++i]);
      continue;
    }
    // -c, -c VALUE, -cVALUE. A lone "-" and negative numbers stay positional.
    if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-' &&
        !std::isdigit(static_cast<unsigned char>(arg[1])) && arg[1] != '.') {
      const std::string spelling = arg.substr(0, 2);
      const Entry* e = find_short(arg[1]);
      if (!e) EMOAUG_FAIL(usage_name_, ": unknown option ", spelling, " (see --help)");
      if (e->flag) {
        if (arg.size() > 2) EMOAUG_FAIL(usage_name_, ": ", spelling, " takes no value");
        take(*e, spelling, "");
        continue;
      }
      if (arg.size() == 2 && i + 1 >= argc)
        EMOAUG_FAIL(usage_name_, ": ", spelling, " needs a value ", e->metavar);
      take(*e, spelling, arg.size() > 2 ? arg.substr(2) : argv[++i]);
      continue;
    }
    if (next_positional >= positionals_.size())
      EMOAUG_FAIL(usage_name_, ": unexpected argument '", arg, "' (see --help)");
    *positionals_[next_positional].value = arg;
    positionals_[next_positional].seen = true;
    ++next_positional;
  }
  for (const Entry& p : positionals_)
    if (p.required && !p.seen) EMOAUG_FAIL(usage_name_, ": missing ", p.name, " (see --help)");
  return true;
}

namespace {

constexpr size_t kHelpColumn = 28, kHelpWidth = 100;

// `text` wrapped at kHelpWidth columns, continuing lines indented by `indent`; the first line
// starts at column `col`.
void write_wrapped(std::ostringstream& os, const std::string& text, size_t col, size_t indent) {
  std::istringstream words(text);
  std::string word;
  bool first = true;
  while (words >> word) {
    if (!first && col + 1 + word.size() > kHelpWidth) {
      os << "\n" << std::string(indent, ' ');
      col = indent;
    } else if (!first) {
      os << ' ';
      ++col;
    }
    os << word;
    col += word.size();
    first = false;
  }
  os << "\n";
}

// "  head" padded to the help column, then its text wrapped under that column; a head wider than
// the column gets its text on the next line.
void write_entry(std::ostringstream& os, const std::string& head, const std::string& text) {
  os << head;
  size_t col = head.size();
  if (col + 1 > kHelpColumn) {
    os << "\n";
    col = 0;
  }
  os << std::string(kHelpColumn - col, ' ');
  write_wrapped(os, text, kHelpColumn, kHelpColumn);
}

}  // namespace

std::string ArgParser::help() const {
  std::ostringstream os;
  os << "usage: " << usage_name_;
  if (options_.size() > 1) os << " [options]";
  for (const Entry& p : positionals_)
    os << (p.required ? " " : " [") << p.name << (p.required ? "" : "]");
  os << "\n\n";
  write_wrapped(os, summary_, 0, 0);
  if (!positionals_.empty()) {
    os << "\narguments:\n";
    for (const Entry& p : positionals_) write_entry(os, "  " + p.name, p.help);
  }
  os << "\noptions:\n";
  for (const Entry& e : options_) {
    std::string head = std::string("  ") +
                       (e.short_name ? std::string("-") + e.short_name + ", " : "") + "--" +
                       e.name + (e.metavar.empty() ? "" : " " + e.metavar);
    std::string text = e.help;
    if (e.values) text += " (repeatable)";
    if (e.value && !e.value->empty()) text += " [default: " + *e.value + "]";
    write_entry(os, head, text);
  }
  if (!epilog_.empty()) os << "\n" << epilog_ << "\n";
  return os.str();
}

int parse_int(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < -2147483647L || v > 2147483647L)
    EMOAUG_FAIL(what, ": '", text, "' is not an integer");
  return static_cast<int>(v);
}

double parse_double(const std::string& text, const std::string& what) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0)
    EMOAUG_FAIL(what, ": '", text, "' is not a number");
  return v;
}

void add_sweep_options(ArgParser& args, config::SweepArguments& sweep) {
  args.option_list("sweep", "KEY=V1,V2",
                   "make config key KEY an axis of the study with these values (TOML values, or "
                   "bare words; replaces a [sweep] axis of KEY; gan.lambda_cls sets its list). "
                   "Axes combine as a grid (docs/config.md, \"Studies\")",
                   &sweep.axes);
  args.option_list("sweep-zip", "KEY1,KEY2",
                   "move these swept keys together (their i-th values make one point) instead of "
                   "combining them as a grid",
                   &sweep.zip);
  args.option_list("reference", "KEY=V",
                   "the point the report compares the others with: these values, the first of "
                   "each other axis [default: the first point]",
                   &sweep.reference);
}

}  // namespace emoaug::app
