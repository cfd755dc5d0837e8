// A small command-line parser: each subcommand declares its positionals, options and flags once,
// and --help is generated from those declarations, so the help cannot drift from what is parsed.
#pragma once

#include <string>
#include <vector>

namespace emoaug::app {

class ArgParser {
 public:
  ArgParser(std::string usage_name, std::string summary);

  void positional(const std::string& name, const std::string& help, std::string* out,
                  bool required = true);
  // --name VALUE
  void option(const std::string& name, const std::string& metavar, const std::string& help,
              std::string* out);
  // --name VALUE, repeatable
  void option_list(const std::string& name, const std::string& metavar, const std::string& help,
                   std::vector<std::string>* out);
  void flag(const std::string& name, const std::string& help, bool* out);
  // A one-letter spelling of an option already declared: short_alias('o', "output") lets -o X mean
  // --output X.
  void short_alias(char letter, const std::string& name);
  // Free text printed after the option list (examples, notes).
  void epilog(const std::string& text) { epilog_ = text; }

  // Parses argv[first..argc). Returns false after printing --help; throws emoaug::Error on misuse.
  bool parse(int argc, char** argv, int first = 1);
  std::string help() const;

 private:
  struct Entry {
    std::string name, metavar, help;
    char letter = 0;  // short alias, or 0
    std::string* value = nullptr;
    std::vector<std::string>* values = nullptr;
    bool* flag = nullptr;
    bool required = false;
    bool seen = false;
  };
  const Entry* find_option(const std::string& name) const;
  std::string usage_name_, summary_, epilog_;
  std::vector<Entry> positionals_, options_;
};

// Number parsing with the option name in the error.
int parse_int(const std::string& text, const std::string& what);
double parse_double(const std::string& text, const std::string& what);

}  // namespace emoaug::app
