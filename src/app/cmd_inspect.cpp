#include <cstdio>

#include "app/args.h"
#include "app/commands.h"
#include "data/corpus_io.h"

namespace emoaug::app {

int cmd_inspect(int argc, char** argv) {
  std::string path, group = "/";
  ArgParser args("emoaug inspect",
                 "Check a corpus v1 HDF5 file (it is read and validated in full) and print a "
                 "summary: rows, features, classes and groups with their row counts (labeled and "
                 "unlabeled apart when the corpus holds both), attributes.");
  args.positional("FILE.h5", "the corpus file", &path);
  args.option("group", "G",
              "the corpus inside a group of the file (synthetic.h5 holds one per GAN group: "
              "its swept values, lcls=λ and fold)",
              &group);
  args.epilog(
      "example:\n  emoaug inspect emodb4.h5\n  emoaug inspect run/synthetic.h5 --group "
      "lcls=1/fold=2");
  if (!args.parse(argc, argv)) return kExitOk;
  const data::Corpus corpus = data::read_corpus(path, group);
  std::printf("file:         %s%s\n%s", path.c_str(),
              group == "/" || group.empty() ? "" : (" (group " + group + ")").c_str(),
              corpus.summary().c_str());
  return kExitOk;
}

}  // namespace emoaug::app
