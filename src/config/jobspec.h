// A SLURM job spec (jobs/*.toml): which experiment runs, how its λcls sweep is cut into jobs, and
// what each job asks SLURM for. `emoaug submit` renders it into sbatch scripts (src/app/sbatch.h).
// Loaded as strictly as an experiment config: unknown keys, wrong types and bad values are errors
// with file:line:column, all reported at once. docs/slurm.md documents every key.
#pragma once

#include <string>
#include <vector>

namespace emoaug::config {

// "array": the run cut into parts (emoaug run --part I/N), one array element each, then a dependent
// job that aggregates; "mpi": the whole sweep as one emoaug run on many ranks.
enum class SweepMode { Array, Mpi };
// How a job starts its ranks: srun --mpi=pmix, or Open MPI's mpirun for sites without PMIx.
enum class Launcher { Srun, Mpirun };

struct JobSpec {
  // [job]
  std::string name = "emoaug";     // SLURM job name; the aggregation job adds "-aggregate"
  std::string config;              // experiment config; absolute once loaded; required
  std::vector<std::string> set;    // `-s KEY=VALUE` overrides for every emoaug run
  std::vector<double> lambda_cls;  // the λcls grid; empty: the config's gan.lambda_cls
  SweepMode mode = SweepMode::Array;
  Launcher launcher = Launcher::Srun;
  // [slurm], per job (per array element in array mode)
  int ranks = 1;  // --ntasks
  int nodes = 0;  // --nodes; 0 = SLURM's choice
  int cpus_per_task = 1;
  int gpus_per_task = 0;
  std::string time = "01:00:00";
  std::string partition;  // empty: the cluster's default
  std::string account;
  int signal_seconds = 120;  // USR2 this long before the time limit, to checkpoint and requeue
  std::string aggregate_time = "00:30:00";
  std::vector<std::string> extra;  // more sbatch options, one per #SBATCH line ("--qos=high")
  int max_parallel = 0;            // elements of one array running at once (--array=...%N); 0: any
  // [sweep]: each axis "KEY=V1,V2,..." (values as TOML value text), in file order, and each zip
  // group "KEY1,KEY2"; every emoaug run gets them as --sweep and --sweep-zip.
  std::vector<std::string> sweep;
  std::vector<std::string> sweep_zip;
};

// Throws emoaug::Error listing every problem, each as "file:line:column: ...". Relative paths in
// the file resolve against its folder.
JobSpec load_jobspec(const std::string& path);
JobSpec parse_jobspec(const std::string& text, const std::string& origin,
                      const std::string& base_dir);

const char* to_string(SweepMode v);
const char* to_string(Launcher v);

}  // namespace emoaug::config
