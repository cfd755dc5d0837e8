#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "config/config.h"

namespace emoaug::app {

int cmd_config(int argc, char** argv) {
  std::string path;
  std::vector<std::string> sets;
  ArgParser args("emoaug config",
                 "Check an experiment config strictly and print it fully resolved: every key with "
                 "its value, defaults filled in, paths made absolute. This is the config.toml a "
                 "run directory gets.");
  args.positional("CONFIG", "experiment config (TOML; keys in docs/config.md)", &path);
  args.option_list("set", "KEY=VALUE",
                   "override one key; VALUE is a TOML value (a bare word counts as a string)",
                   &sets, 's');
  args.epilog(
      "Overrides are applied before validation and checked like the file's keys. Paths given in\n"
      "the file resolve against the file's folder, paths given with -s against the working one.\n"
      "\nexamples:\n"
      "  emoaug config configs/paper.toml\n"
      "  emoaug config configs/demo.toml -s gan.epochs=5 -s gan.lambda_cls=[0,1,2] \\\n"
      "      -s ser.real.lr=2e-5 -s ser.std=sample");
  if (!args.parse(argc, argv)) return kExitOk;
  const config::ExperimentConfig cfg = config::load_config(path, sets);
  config::check_runnable(cfg, path);
  const std::string text = config::to_toml(cfg);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace emoaug::app
