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

// What the job spec alone does not say, found out by `emoaug submit`.
struct SubmitContext {
  std::string emoaug;               // absolute path of what the jobs run as emoaug
  std::string workdir;              // the jobs' working directory (--chdir), where -s paths resolve
  std::string run_dir;              // experiment.output of the resolved config
  std::vector<double> lambda_grid;  // gan.lambda_cls of the resolved config
  std::vector<std::string> sets;    // every -s override of every emoaug run (run_overrides)
};

struct SbatchJob {
  std::string name;     // SLURM job name; the script is <run_dir>/slurm/<name>.sbatch
  std::string script;   // the rendered text
  int after = -1;       // index of the job that must succeed first (--dependency=afterok), or -1
  std::string summary;  // one line for the user
};

// The spec's -s overrides, with its λcls grid (if it has one) as one more: gan.lambda_cls=[...].
std::vector<std::string> run_overrides(const config::JobSpec& spec);

// mode "array": the array job (one element per λcls) and the aggregation job after it;
// mode "mpi": one job. Throws emoaug::Error for what sbatch could not take (a path with spaces).
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
