#include "app/sbatch.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace emoaug::app {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) EMOAUG_FAIL(path, ": cannot read template: ", std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// sbatch reads #SBATCH lines itself, without a shell: a path there must be one plain word.
const std::string& sbatch_path(const std::string& path, const char* what) {
  for (unsigned char ch : path)
    if (std::isspace(ch) || ch == '%' || ch == '"' || ch == '\'')
      EMOAUG_FAIL(what, " '", path, "' holds a space, quote or '%', which #SBATCH lines cannot ",
                  "carry; use a folder without them");
  return path;
}

std::string words(const std::vector<std::string>& list) {
  std::string out;
  for (const std::string& w : list) out += (out.empty() ? "" : " ") + shell_quote(w);
  return out;
}

std::string lambda_text(const std::vector<double>& grid) {
  std::string out;
  for (double l : grid) out += (out.empty() ? "" : ", ") + exact_number(l);
  return out;
}

// The #SBATCH lines every job of the spec shares.
void common_lines(std::string& out, const config::JobSpec& spec, const SubmitContext& ctx) {
  out += "#SBATCH --chdir=" + sbatch_path(ctx.workdir, "the working directory") + "\n";
  if (!spec.partition.empty()) out += "#SBATCH --partition=" + spec.partition + "\n";
  if (!spec.account.empty()) out += "#SBATCH --account=" + spec.account + "\n";
  for (const std::string& line : spec.extra) out += "#SBATCH " + line + "\n";
}

}  // namespace

Templates read_templates(const std::string& dir) {
  return {read_file(dir + "/run.sbatch"), read_file(dir + "/aggregate.sbatch")};
}

std::string exact_number(double x) {
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  return buf;
}

std::string shell_quote(const std::string& s) {
  bool bare = !s.empty();
  for (unsigned char ch : s)
    bare = bare && (std::isalnum(ch) || std::strchr("_-+./:=,@%", ch) != nullptr);
  if (bare) return s;
  std::string out = "'";
  for (char ch : s) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string fill_template(const std::string& text, const std::map<std::string, std::string>& values,
                          const std::string& origin) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t end = i + 1;
    if (text[i] == '@')
      while (end < text.size() &&
             (std::isupper(static_cast<unsigned char>(text[end])) || text[end] == '_'))
        ++end;
    if (text[i] != '@' || end == i + 1 || end >= text.size() || text[end] != '@') {
      out += text[i++];
      continue;
    }
    const std::string name = text.substr(i + 1, end - i - 1);
    const auto v = values.find(name);
    if (v == values.end()) {
      std::string known;
      for (const auto& [k, unused] : values) known += (known.empty() ? "@" : ", @") + k + "@";
      EMOAUG_FAIL(origin, ": unknown placeholder @", name, "@ (this template may use ", known, ")");
    }
    out += v->second;
    i = end + 1;
  }
  return out;
}

std::vector<std::string> run_overrides(const config::JobSpec& spec) {
  std::vector<std::string> sets = spec.set;
  if (!spec.lambda_cls.empty()) {
    std::string grid;
    for (double l : spec.lambda_cls) grid += (grid.empty() ? "" : ",") + exact_number(l);
    sets.push_back("gan.lambda_cls=[" + grid + "]");
  }
  return sets;
}

std::vector<SbatchJob> render_jobs(const config::JobSpec& spec, const SubmitContext& ctx,
                                   const Templates& templates) {
  const bool array = spec.mode == config::SweepMode::Array;
  const std::string logs = sbatch_path(ctx.run_dir, "the run directory") + "/slurm/";
  if (ctx.lambda_grid.empty()) EMOAUG_FAIL("the λcls grid is empty");

  SbatchJob run;
  run.name = spec.name;
  std::string lines = "#SBATCH --job-name=" + spec.name + "\n";
  lines += "#SBATCH --output=" + logs + (array ? "%x-%A_%a.out" : "%x-%j.out") + "\n";
  if (array) lines += "#SBATCH --array=0-" + std::to_string(ctx.lambda_grid.size() - 1) + "\n";
  lines += "#SBATCH --ntasks=" + std::to_string(spec.ranks) + "\n";
  if (spec.nodes > 0) lines += "#SBATCH --nodes=" + std::to_string(spec.nodes) + "\n";
  lines += "#SBATCH --cpus-per-task=" + std::to_string(spec.cpus_per_task) + "\n";
  if (spec.gpus_per_task > 0)
    lines += "#SBATCH --gpus-per-task=" + std::to_string(spec.gpus_per_task) + "\n";
  lines += "#SBATCH --time=" + spec.time + "\n";
  if (spec.signal_seconds > 0)
    lines += "#SBATCH --signal=B:USR2@" + std::to_string(spec.signal_seconds) + "\n";
  // Requeued after a preemption, a job appends to its log rather than starting it over.
  lines += "#SBATCH --requeue\n#SBATCH --open-mode=append\n";
  common_lines(lines, spec, ctx);
  lines.pop_back();  // the template's line break follows the placeholder

  std::vector<std::string> sets;
  for (const std::string& s : ctx.sets) sets.insert(sets.end(), {"-s", s});
  std::vector<std::string> lambdas;
  if (array)
    for (double l : ctx.lambda_grid) lambdas.push_back(exact_number(l));
  run.script = fill_template(templates.run,
                             {{"SBATCH", lines},
                              {"EMOAUG", shell_quote(ctx.emoaug)},
                              {"CONFIG", shell_quote(spec.config)},
                              {"SETS", words(sets)},
                              {"LAMBDAS", words(lambdas)},
                              {"LAUNCHER", config::to_string(spec.launcher)}},
                             "slurm/run.sbatch");
  const std::string per =
      std::to_string(spec.ranks) + " rank(s)" +
      (spec.gpus_per_task > 0 ? " with " + std::to_string(spec.gpus_per_task) + " GPU(s) each"
                              : "");
  run.summary = array
                    ? "array 0-" + std::to_string(ctx.lambda_grid.size() - 1) +
                          ", one element per λcls (" + lambda_text(ctx.lambda_grid) + ") on " + per
                    : "emoaug run, all λcls (" + lambda_text(ctx.lambda_grid) + ") on " + per;
  if (!array) return {run};

  SbatchJob agg;
  agg.name = spec.name + "-aggregate";
  agg.after = 0;
  lines = "#SBATCH --job-name=" + agg.name + "\n";
  lines += "#SBATCH --output=" + logs + "%x-%j.out\n";
  lines += "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n";
  lines += "#SBATCH --time=" + spec.aggregate_time + "\n";
  // A failed element can never satisfy afterok: end this job rather than leave it pending.
  lines += "#SBATCH --kill-on-invalid-dep=yes\n";
  common_lines(lines, spec, ctx);
  lines.pop_back();
  agg.script = fill_template(templates.aggregate,
                             {{"SBATCH", lines},
                              {"EMOAUG", shell_quote(ctx.emoaug)},
                              {"RUNDIR", shell_quote(ctx.run_dir)}},
                             "slurm/aggregate.sbatch");
  agg.summary = "emoaug aggregate + report, once every element has succeeded";
  return {run, agg};
}

}  // namespace emoaug::app
