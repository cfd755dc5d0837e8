#include <chrono>
#include <cstdio>

#include "app/args.h"
#include "app/commands.h"
#include "core/error.h"
#include "data/synth.h"

namespace emoaug::app {

int cmd_synth(int argc, char** argv) {
  data::SynthOptions o;
  std::string dir, dims = std::to_string(o.dims), classes = std::to_string(o.classes),
                   sessions = std::to_string(o.sessions), rows = std::to_string(o.rows),
                   source_rows = std::to_string(o.source_rows),
                   cross_rows = std::to_string(o.cross_rows), separation = "2.3", imbalance = "1.5",
                   seed = std::to_string(o.seed);
  ArgParser args("emoaug synth",
                 "Generate a small synthetic experiment: DIR/target.h5 (labeled, with sessions), "
                 "DIR/source.h5 (unlabeled, other feature means and scales) and DIR/cross.h5 "
                 "(labeled, the same classes under a domain shift), in corpus v1. The same options "
                 "give byte-identical files.");
  args.option("output", "DIR", "folder to write into (created if missing; required)", &dir, 'o');
  args.option("dims", "D", "features per row", &dims);
  args.option("classes", "C", "emotion classes (4: angry, happy, neutral, sad)", &classes);
  args.option("sessions", "S", "sessions of the target (speakers of the other two)", &sessions);
  args.option("rows", "N", "rows of the labeled target corpus", &rows);
  args.option("source-rows", "N", "rows of the unlabeled source corpus", &source_rows);
  args.option("cross-rows", "N", "rows of the cross-corpus test set", &cross_rows);
  args.option("separation", "X",
              "distance between class means in noise standard deviations; the default gives a "
              "linear classifier about 65 % UAR, 3 about 75 %, 1.5 about 48 %",
              &separation);
  args.option("imbalance", "R", "rows of the largest class / rows of the smallest", &imbalance);
  args.option("seed", "N", "random seed", &seed);
  args.epilog(
      "example:\n  emoaug synth -o data/synth --rows 1200 --imbalance 2\n  emoaug inspect "
      "data/synth/target.h5");
  if (!args.parse(argc, argv)) return kExitOk;
  if (dir.empty()) EMOAUG_FAIL("emoaug synth: missing -o DIR (see --help)");
  o.dims = parse_int(dims, "--dims");
  o.classes = parse_int(classes, "--classes");
  o.sessions = parse_int(sessions, "--sessions");
  o.rows = parse_int(rows, "--rows");
  o.source_rows = parse_int(source_rows, "--source-rows");
  o.cross_rows = parse_int(cross_rows, "--cross-rows");
  o.separation = parse_double(separation, "--separation");
  o.imbalance = parse_double(imbalance, "--imbalance");
  const int s = parse_int(seed, "--seed");
  if (s < 0) EMOAUG_FAIL("--seed: must be >= 0");
  o.seed = static_cast<uint64_t>(s);

  const auto start = std::chrono::steady_clock::now();
  data::write_synthetic(dir, o);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "wrote %s/target.h5 (%lld rows), %s/source.h5 (%lld rows), %s/cross.h5 (%lld rows) "
      "in %.2f s\n",
      dir.c_str(), static_cast<long long>(o.rows), dir.c_str(),
      static_cast<long long>(o.source_rows), dir.c_str(), static_cast<long long>(o.cross_rows),
      seconds);
  return kExitOk;
}

}  // namespace emoaug::app
