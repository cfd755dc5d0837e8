// What built this binary, for the provenance of every result file.
#pragma once

namespace emoaug {

// The source tree's commit when the binary was built (short sha, "-dirty" when tracked files
// differed from it; "unknown" outside a git checkout). Regenerated at every build
// (cmake/git_sha.cmake), not only when cmake configures.
const char* git_sha();

}  // namespace emoaug
