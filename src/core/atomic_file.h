// Atomic, durable file output: a result is written under a temporary name in the destination's
// folder, flushed to the disk (fsync), renamed into place, and the folder's entry flushed too. A
// reader, a resumed run or a crash of the machine never sees a half-written file, and a write that
// fails at any step — HDF5's own late failures at close included — leaves the previous file (or its
// absence) exactly as it was.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace emoaug {

// Calls write(temp_path), which must create, fill and close temp_path, checking every call; then
// fsyncs it, renames it to `path` and fsyncs the folder. If anything fails, the temporary file is
// removed and an emoaug::Error naming `path` propagates: OutOfSpace (core/error.h) when the
// filesystem is full or the quota spent, with the space the file needs (`expected_bytes` when the
// caller knows it, else what was written before the failure) and what to do. Fails early, before
// write runs, when the folder is missing or not writable or `path` is a folder.
void write_atomically(const std::string& path,
                      const std::function<void(const std::string& temp_path)>& write,
                      int64_t expected_bytes = 0);

// fsync of a folder, so that the entries renamed or removed in it survive a crash; throws naming
// it.
void sync_folder(const std::string& folder);

// Whether `path` is the temporary file of a write_atomically whose writer is gone — a process of
// this host that no longer runs, or any writer that has not touched it for an hour — so that a
// rerun may remove it without disturbing a write still under way in another process.
bool is_abandoned_temporary(const std::string& path);

// ---- fault injection, for the tests of what a failed write leaves behind -----------------------
// EMOAUG_FAULT="enospc@N", "eio@N" or "kill@N" makes the N-th write_atomically of this process (N
// from 1) fail as a full disk or an I/O error after its temporary file was written, or kill the
// process with SIGKILL at that point (before the rename). Unset: no fault.

}  // namespace emoaug
