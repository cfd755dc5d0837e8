#include "app/args.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "core/error.h"

namespace emoaug::app {

ArgParser::ArgParser(std::string usage_name, std::string summary)
    : usage_name_(std::move(usage_name)), summary_(std::move(summary)) {
  flag("help", "show this help and exit", nullptr);
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

void ArgParser::option(const std::string& name, const std::string& metavar, const std::string& help,
                       std::string* out) {
  Entry e;
  e.name = name;
  e.metavar = metavar;
  e.help = help;
  e.value = out;
  options_.push_back(e);
}

void ArgParser::option_list(const std::string& name, const std::string& metavar,
                            const std::string& help, std::vector<std::string>* out) {
  Entry e;
  e.name = name;
  e.metavar = metavar;
  e.help = help;
  e.values = out;
  options_.push_back(e);
}

void ArgParser::flag(const std::string& name, const std::string& help, bool* out) {
  Entry e;
  e.name = name;
  e.help = help;
  e.flag = out;
  options_.push_back(e);
}

void ArgParser::short_alias(char letter, const std::string& name) {
  for (Entry& e : options_)
    if (e.name == name) e.letter = letter;
}

const ArgParser::Entry* ArgParser::find_option(const std::string& name) const {
  for (const Entry& e : options_)
    if (e.name == name) return &e;
  return nullptr;
}

bool ArgParser::parse(int argc, char** argv, int first) {
  size_t next_positional = 0;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(help().c_str(), stdout);
      return false;
    }
    if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
      for (const Entry& e : options_)
        if (e.letter == arg[1]) arg = "--" + e.name;
      if (arg.size() == 2) EMOAUG_FAIL(usage_name_, ": unknown option ", arg, " (see --help)");
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
        *e->flag = true;
        continue;
      }
      std::string value;
      if (has_inline) {
        value = inline_value;
      } else {
        if (i + 1 >= argc) EMOAUG_FAIL(usage_name_, ": --", name, " needs a value ", e->metavar);
        value = argv[++i];
      }
      if (e->values)
        e->values->push_back(value);
      else
        *e->value = value;
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
    std::string head = std::string(e.letter ? "  -" + std::string(1, e.letter) + ", " : "  ") +
                       "--" + e.name + (e.metavar.empty() ? "" : " " + e.metavar);
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

}  // namespace emoaug::app
