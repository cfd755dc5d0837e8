// Atomic file output: a result is written under a temporary name in the destination's folder and
// renamed into place at the end, so a reader (or a resumed run) never sees a half-written file.
#pragma once

#include <functional>
#include <string>

namespace emoaug {

// Calls write(temp_path), which must create and close temp_path, then renames it to `path`. If
// write throws or the rename fails, the temporary file is removed and an emoaug::Error naming
// `path` propagates; an existing file at `path` is left as it was. Fails early, before write runs,
// when the folder is missing or not writable or `path` is a folder.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write);

}  // namespace emoaug
