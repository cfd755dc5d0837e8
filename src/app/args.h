// A small command-line parser: each subcommand declares its positionals, options and flags once,
// and --help is generated from those declarations, so the help cannot drift from what is parsed.
#pragma once

#include <string>

#include <vector>
#include "config/sweep.h"

namespace emoaug::app {

class ArgParser {
 public:
  ArgParser(std::string usage_name, std::string summary);

  void positional(const std::string& name, const std::string& help, std::string* out,
                  bool required = true);
  // --name VALUE. A non-zero short_name also accepts -c VALUE and -cVALUE (getopt's forms).
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              std::string* out, char short_name = 0);
  // --name VALUE, repeatable
  void option_list(const std::string& name, const std::string& metavar, const std::string& help,
                   std::vector<std::string>* out, char short_name = 0);
  void flag(const std::string& name, const std::string& help, bool* out, char short_name = 0);
  // Free text printed after the option list (examples, notes).
  void epilog(const std::string& text) { epilog_ = text; }

  // Parses argv[first..argc). Returns false after printing --help; throws emoaug::Error on misuse.
  bool parse(int argc, char** argv, int first = 1);
  std::string help() const;

 private:
  struct Entry {
    std::string name, metavar, help;
    std::string* value = nullptr;
    std::vector<std::string>* values = nullptr;
    bool* flag = nullptr;
    char short_name = 0;
    bool required = false;
    bool seen = false;
  };
  const Entry* find_option(const std::string& name) const;
  const Entry* find_short(char name) const;
  void add_option(Entry e);
  // Stores one occurrence of option `e`, spelt `spelling` on the command line.
  void take(const Entry& e, const std::string& spelling, const std::string& value);
  std::string usage_name_, summary_, epilog_;
  std::vector<Entry> positionals_, options_;
  bool help_requested_ = false;
};

// Number parsing with the option name in the error.
int parse_int(const std::string& text, const std::string& what);
double parse_double(const std::string& text, const std::string& what);

// --sweep, --sweep-zip and --reference, as run, plan and submit take them (config/sweep.h).
void add_sweep_options(ArgParser& args, config::SweepArguments& sweep);

}  // namespace emoaug::app
