#include "app/sbatch.h"

#include <algorithm>
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

std::vector<ArrayShare> split_parts(int parts, int max_array_size) {
  if (parts < 1) EMOAUG_FAIL("nothing to run: ", parts, " parts");
  if (max_array_size < 1)
    EMOAUG_FAIL("MaxArraySize = ", max_array_size, ": this cluster takes no array jobs; submit ",
                "with --mode mpi");
  std::vector<ArrayShare> shares;
  for (int offset = 0; offset < parts; offset += max_array_size)
    shares.push_back({offset, std::min(max_array_size, parts - offset)});
  return shares;
}

int parse_max_array_size(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    const size_t eq = line.find('=');
    if (line.rfind("MaxArraySize", 0) != 0 || eq == std::string::npos) continue;
    const std::string name = line.substr(0, line.find_first_of(" \t="));
    if (name != "MaxArraySize") continue;
    const size_t from = line.find_first_not_of(" \t", eq + 1);
    if (from == std::string::npos) return -1;
    const size_t to = line.find_last_not_of(" \t\r");
    const std::string value = line.substr(from, to + 1 - from);
    if (value.empty() || value.size() > 9 ||
        value.find_first_not_of("0123456789") != std::string::npos)
      return -1;
    return std::stoi(value);
  }
  return -1;
}

std::vector<SbatchJob> render_jobs(const config::JobSpec& spec, const SubmitContext& ctx,
                                   const Templates& templates) {
  const bool array = spec.mode == config::SweepMode::Array;
  const std::string logs = sbatch_path(ctx.run_dir, "the run directory") + "/slurm/";
  if (spec.max_parallel < 0)
    EMOAUG_FAIL("max_parallel = ", spec.max_parallel, " is out of range: must be >= 0");
  const std::vector<ArrayShare> shares =
      array ? split_parts(ctx.parts, ctx.max_array_size) : std::vector<ArrayShare>{{0, 1}};

  // The lines of every run job but --job-name and --array.
  std::string common = "#SBATCH --output=" + logs + (array ? "%x-%A_%a.out" : "%x-%j.out") + "\n";
  common += "#SBATCH --ntasks=" + std::to_string(spec.ranks) + "\n";
  if (spec.nodes > 0) common += "#SBATCH --nodes=" + std::to_string(spec.nodes) + "\n";
  common += "#SBATCH --cpus-per-task=" + std::to_string(spec.cpus_per_task) + "\n";
  if (spec.gpus_per_task > 0)
    common += "#SBATCH --gpus-per-task=" + std::to_string(spec.gpus_per_task) + "\n";
  common += "#SBATCH --time=" + spec.time + "\n";
  if (spec.signal_seconds > 0)
    common += "#SBATCH --signal=B:USR2@" + std::to_string(spec.signal_seconds) + "\n";
  // Requeued after a preemption, a job appends to its log rather than starting it over.
  common += "#SBATCH --requeue\n#SBATCH --open-mode=append\n";
  common_lines(common, spec, ctx);

  std::vector<std::string> sets, sweeps;
  for (const std::string& s : ctx.sets) sets.insert(sets.end(), {"-s", s});
  for (const std::string& s : ctx.sweeps) sweeps.insert(sweeps.end(), {"--sweep", s});
  for (const std::string& z : ctx.sweep_zip) sweeps.insert(sweeps.end(), {"--sweep-zip", z});
  const std::string per =
      std::to_string(spec.ranks) + " rank(s)" +
      (spec.gpus_per_task > 0 ? " with " + std::to_string(spec.gpus_per_task) + " GPU(s) each"
                              : "");
  const std::string throttle = spec.max_parallel > 0 ? "%" + std::to_string(spec.max_parallel) : "";

  std::vector<SbatchJob> jobs;
  for (size_t j = 0; j < shares.size(); ++j) {
    const ArrayShare& share = shares[j];
    SbatchJob run;
    // One script per array: <name>-1, <name>-2, ... when the parts need several.
    run.name = shares.size() == 1 ? spec.name : spec.name + "-" + std::to_string(j + 1);
    std::string lines = "#SBATCH --job-name=" + run.name + "\n";
    if (array) {
      run.array = "0-" + std::to_string(share.count - 1);
      lines += "#SBATCH --array=" + run.array + throttle + "\n";
    }
    lines += common;
    lines.pop_back();  // the template's line break follows the placeholder
    run.script =
        fill_template(templates.run,
                      {{"SBATCH", lines},
                       {"EMOAUG", shell_quote(ctx.emoaug)},
                       {"CONFIG", shell_quote(spec.config)},
                       {"SETS", words(sets)},
                       {"SWEEPS", words(sweeps)},
                       {"PARTS", shell_quote(array ? std::to_string(ctx.parts) : "")},
                       {"PART_OFFSET", shell_quote(array ? std::to_string(share.offset) : "")},
                       {"LAUNCHER", config::to_string(spec.launcher)}},
                      "slurm/run.sbatch");
    if (array) {
      const int last = share.offset + share.count - 1;
      run.summary = "array " + run.array + throttle + ": part" +
                    (share.count > 1 ? "s " + std::to_string(share.offset) + "-" : " ") +
                    std::to_string(last) + " of " + std::to_string(ctx.parts) + " on " + per;
    } else {
      run.summary = "emoaug run, the whole sweep on " + per;
    }
    jobs.push_back(std::move(run));
  }
  if (!array) return jobs;

  SbatchJob agg;
  agg.name = spec.name + "-aggregate";
  for (size_t j = 0; j < shares.size(); ++j) agg.after.push_back(static_cast<int>(j));
  std::string lines = "#SBATCH --job-name=" + agg.name + "\n";
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
  agg.summary = shares.size() == 1 ? "emoaug aggregate + report, once every element has succeeded"
                                   : "emoaug aggregate + report, once every element of the " +
                                         std::to_string(shares.size()) + " arrays has succeeded";
  jobs.push_back(std::move(agg));
  return jobs;
}

}  // namespace emoaug::app
