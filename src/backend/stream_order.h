// Ordering device work across the threads of one task without a host wait.
//
// On CUDA each thread issues its ops on a stream of its own (backend/cuda/context.h), and streams
// are not ordered with each other: an op that thread B issues after thread A's op has *returned*
// can still run before A's op, or at the same time, since A's op only sits in A's queue. Wherever
// device data passes from the ops of one thread to those of another (a GAN group's emotions and
// C's update on the calling thread, a collective on a stream of its own), the producer records a
// mark after its ops and the consumer makes its own stream wait for the mark before it issues
// ops that touch the data. Neither thread blocks: the consumer's stream waits on the device.
//
// On the host an op is finished when it returns, so host marks do nothing, and code written with
// marks runs the same arithmetic in the same order as without them.
#pragma once

#include "core/tensor.h"

namespace emoaug::ops {

class StreamMark {
 public:
  // A mark for the ops of `device`; a Host mark does nothing.
  explicit StreamMark(Device device = Device::Host) : device_(device) {}
  ~StreamMark();
  StreamMark(StreamMark&& other) noexcept;
  StreamMark& operator=(StreamMark&& other) noexcept;
  StreamMark(const StreamMark&) = delete;
  StreamMark& operator=(const StreamMark&) = delete;

  Device device() const { return device_; }
  // Marks every op the calling thread has issued so far, and whatever its stream already waits
  // for (CUDA: an event recorded on the thread's stream). Recording again moves the mark;
  // waits issued before keep the point they were issued for, so one mark serves every iteration.
  // One thread at a time may record a given mark.
  void record();
  // The CUDA event (cudaEvent_t) of the marks, or null: a Host mark, or none recorded yet.
  void* native() const { return event_; }

 private:
  Device device_;
  void* event_ = nullptr;  // created at the first record(), on that thread's current device
};

// Everything the calling thread issues from now on runs after the ops `mark` covers (CUDA: the
// thread's stream waits for the event; the host goes on at once). Nothing before the first
// record(), and nothing on the host. Any number of threads may wait for one mark at once.
void wait_for(const StreamMark& mark);

// For the tests of these orderings: queues work on the calling thread's stream that keeps the
// device busy for `milliseconds` (CUDA: a spinning kernel) and returns at once, so that an op
// another thread issues afterwards without waiting for a mark visibly overtakes it. Nothing on
// the host.
void delay_stream(Device device, double milliseconds);

}  // namespace emoaug::ops
