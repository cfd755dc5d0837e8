// Job specs rendered into sbatch scripts, for `emoaug submit` (docs/slurm.md). Pure text work:
// nothing here reads the run directory or calls SLURM, so the tests check the scripts directly.
// The templates are slurm/*.sbatch, compiled into the binary (see CMakeLists.txt) so that
// submitting needs no source tree; `emoaug submit --templates DIR` reads a site's edited copies
// instead.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "config/jobspec.h"

namespace emoaug::app {

struct Templates {
  std::string run;        // slurm/run.sbatch: one emoaug run, a plain or an array job
  std::string aggregate;  // slurm/aggregate.sbatch: emoaug aggregate + report after an array
};
Templates builtin_templates();  // generated from slurm/ at configure time
Templates read_templates(const std::string& dir);

// SLURM's MaxArraySize when `scontrol show config` cannot say (its default): array indices must be
// below it.
constexpr int kDefaultMaxArraySize = 1001;

// What the job spec alone does not say, found out by `emoaug submit`.
struct SubmitContext {
  std::string emoaug;   // absolute path of what the jobs run as emoaug
  std::string workdir;  // the jobs' working directory (--chdir), where -s paths resolve
  std::string run_dir;  // experiment.output of the resolved config
  int parts = 1;        // parts of the run (`emoaug run --part I/N`): array elements in all
  std::vector<std::string> sets;       // every -s override of every emoaug run (run_overrides)
  std::vector<std::string> sweeps;     // "KEY=V1,V2,...": `--sweep` of every emoaug run
  std::vector<std::string> sweep_zip;  // "KEY1,KEY2": `--sweep-zip` of every emoaug run
  int max_array_size = kDefaultMaxArraySize;  // the cluster's MaxArraySize
};

struct SbatchJob {
  std::string name;        // SLURM job name; the script is <run_dir>/slurm/<name>.sbatch
  std::string script;      // the rendered text
  std::vector<int> after;  // indices of the jobs that must succeed first (--dependency=afterok)
  std::string array;       // the --array range without its throttle ("0-999"), or empty
  std::string summary;     // one line for the user
};

// The spec's -s overrides, with its λcls grid (if it has one) as one more: gan.lambda_cls=[...].
std::vector<std::string> run_overrides(const config::JobSpec& spec);

// One array job's share of the parts: its element i runs part offset + i.
struct ArrayShare {
  int offset = 0, count = 0;
};
// `parts` parts cut into as few arrays as MaxArraySize allows (indices 0..count-1, each count at
// most max_array_size), in order. Throws for parts < 1 or max_array_size < 1.
std::vector<ArrayShare> split_parts(int parts, int max_array_size);

// MaxArraySize from the text of `scontrol show config` ("MaxArraySize = 1001"), or -1 when the text
// has no such line or its value is not a number.
int parse_max_array_size(const std::string& scontrol_config);

// mode "array": the parts cut into array jobs (split_parts), then the aggregation job after all of
// them; mode "mpi": one job. Throws emoaug::Error for what sbatch could not take (a path with
// spaces).
std::vector<SbatchJob> render_jobs(const config::JobSpec& spec, const SubmitContext& ctx,
                                   const Templates& templates);

// Replaces each @NAME@ (NAME of A-Z and _) by values[NAME]; an unknown NAME is an error naming
// `origin`. Other @ signs (bash's "${a[@]}") stay as they are.
std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values,
                          const std::string& origin);

// `s` as one bash word: bare when safe, else in single quotes.
std::string shell_quote(const std::string& s);
// The shortest decimal that reads back as exactly x ("2", "0.1", "1e-05").
std::string exact_number(double x);

}  // namespace emoaug::app
