#include <chrono>
#include <cstdio>

#include "app/args.h"
#include "app/commands.h"
#include "core/error.h"
#include "core/log.h"
#include "data/corpus_io.h"
#include "data/import.h"

namespace emoaug::app {

int cmd_import(int argc, char** argv) {
  std::string format, input, output;
  data::ImportOptions opt;
  ArgParser args(
      "emoaug import",
      "Import a feature file into a corpus v1 HDF5 file (docs/data.md): openSMILE ARFF or "
      "CSV output, or the netCDF4 files of the authors' arff_to_netcdf4.py. Labels and "
      "groups come from a metadata CSV, from regular expressions on the utterance "
      "names, or from the file itself (an ARFF nominal class, the netCDF category).");
  args.positional("FORMAT", "arff, csv or netcdf", &format);
  args.positional("INPUT", "the feature file", &input);
  args.option("output", "OUT.h5",
              "the corpus file to write (required); written under a temporary name and renamed, "
              "so a failed import leaves no file",
              &output, 'o');
  args.option("metadata", "CSV",
              "comma-separated file with a header and one row per utterance, matched to the "
              "feature rows by name; every feature row needs a metadata row, extra metadata rows "
              "only give a warning",
              &opt.metadata);
  args.option("name-column", "C",
              "metadata column with the utterance name; it matches the name as is, or without "
              "folders and extension (a/03a01Fa.wav ~ 03a01Fa)",
              &opt.name_column);
  args.option("label-column", "C", "metadata column with the emotion label", &opt.label_column);
  args.option("group-column", "C",
              "metadata column with the session or speaker; integers are kept, other values are "
              "numbered 1..G in sorted order (the mapping goes into the description)",
              &opt.group_column);
  args.option("label-regex", "RE",
              "label = first capture group of RE searched in the name (ECMAScript syntax)",
              &opt.label_regex);
  args.option("group-regex", "RE", "group = first capture group of RE searched in the name",
              &opt.group_regex);
  args.option_list("class", "NEW=OLD[,OLD...]",
                   "map labels OLD to class NEW; classes are numbered in the order given and rows "
                   "whose label no --class maps are dropped (or kept, see --keep-unmapped). "
                   "Without --class the classes are the distinct labels in sorted order",
                   &opt.class_map);
  args.flag("keep-unmapped",
            "keep the rows whose label no --class maps, labeled -1 (in no class): SER sets them "
            "aside, and data.source = \"target:unlabeled\" makes them the CycleGANs' source",
            &opt.keep_unmapped);
  args.flag("unlabeled", "an unlabeled corpus (e.g. the source domain): every label is -1",
            &opt.unlabeled);
  args.option("corpus", "NAME", "corpus attribute [default: the input file's name]", &opt.corpus);
  args.option("feature-set", "NAME", "feature_set attribute", &opt.feature_set);
  args.option("group-kind", "KIND", "group_kind attribute: session, speaker, ...", &opt.group_kind);
  args.option("description", "TEXT", "description attribute", &opt.description);
  args.epilog(
      "examples:\n"
      "  # EmoDB, the four classes of the paper, speakers as groups:\n"
      "  emoaug import arff emodb-emobase2010.arff --metadata emodb-metadata.csv \\\n"
      "      --label-column emotion --group-column speaker --class angry=anger \\\n"
      "      --class happy=happiness --class neutral=neutral --class sad=sadness -o emodb4.h5\n"
      "  # IEMOCAP from the authors' netCDF file, happy merged with excited, sessions from names:\n"
      "  emoaug import netcdf iemocap.nc --group-regex '^Ses0(\\d)' --group-kind session \\\n"
      "      --class angry=ang --class happy=hap,exc --class neutral=neu --class sad=sad -o "
      "iemocap.h5\n"
      "  # (with --keep-unmapped, the utterances outside the four classes stay, as -1)\n"
      "  # an unlabeled source corpus from openSMILE CSV output:\n"
      "  emoaug import csv tedlium.csv --unlabeled --group-regex '^([^_]+)' -o source.h5\n\n"
      "Errors name the file and the line or row; nothing is written then, and the exit code is 1.");
  if (!args.parse(argc, argv)) return kExitOk;
  if (output.empty()) EMOAUG_FAIL("emoaug import: missing -o OUT.h5 (see --help)");
  if (format != "arff" && format != "csv" && format != "netcdf")
    EMOAUG_FAIL("emoaug import: unknown FORMAT '", format, "' (arff, csv or netcdf)");

  const auto start = std::chrono::steady_clock::now();
  data::ImportResult result = data::import_corpus(format, input, opt);
  data::write_corpus(output, result.corpus);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const std::string& w : result.warnings) log_warn("%s", w.c_str());
  for (const std::string& n : result.notes) log_info("%s", n.c_str());
  std::printf("wrote %s in %.2f s\n%s", output.c_str(), seconds, result.corpus.summary().c_str());
  return kExitOk;
}

}  // namespace emoaug::app
