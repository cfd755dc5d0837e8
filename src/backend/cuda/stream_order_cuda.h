// The CUDA side of backend/stream_order.h: events on the calling thread's stream (context.h) and
// the spinning kernel of delay_stream. Plain C++, so that the dispatcher can include it.
#pragma once

namespace emoaug::ops::cuda {

// An event without timing (these only order streams, and CUDA documents untimed events as the
// cheaper ones for cudaStreamWaitEvent), on the calling thread's current device.
void* create_event();
// Never throws: marks go away in destructors, possibly while the runtime shuts down.
void destroy_event(void* event) noexcept;
// On this thread's stream.
void record_event(void* event);
// This thread's stream waits for the event's last record.
void wait_event(void* event);
// One thread that spins on the global timer for `milliseconds`, on this thread's stream.
void spin(double milliseconds);

}  // namespace emoaug::ops::cuda
