// What a GPU figure was measured at: the SM and memory clocks, now and at most, and the math mode
// the gemms really ran in. A TFLOP/s figure without them cannot be compared with another node's,
// or with the card's datasheet.
//
// The maximum clocks come from cudaDeviceGetAttribute (CUDA 13 dropped clockRate and
// memoryClockRate from cudaDeviceProp but keeps the attributes). CUDA has no current clock, so
// those, and the maxima where the attributes fail, come from NVML, opened with dlopen at run time:
// linking libnvidia-ml would tie the binary to the driver's library on nodes (and in the bundle)
// that need not have it. What neither answers is "unknown".
#pragma once

#include <dlfcn.h>

#include <cstdlib>
#include <string>

#ifdef EMOAUG_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace emoaug::bench {

// MHz, or -1 when unknown; `from` says which source answered ("cuda", "nvml").
struct ClockReading {
  int mhz = -1;
  const char* from = "";
};

struct GpuClocks {
  ClockReading sm_current, sm_max, memory_current, memory_max;
  std::string nvml_note;  // why NVML gave nothing, when it did not
};

inline std::string clock_text(const ClockReading& c) {
  return c.mhz >= 0 ? std::to_string(c.mhz) + " " + c.from : std::string("unknown");
}

// The math mode cuBLAS runs FP32 gemms in, as a figure's label: TF32 when the context asks for it,
// unless NVIDIA_TF32_OVERRIDE=0 (`override_env`, null when unset), which disables TF32 in every
// NVIDIA library whatever the program asks.
inline const char* math_label(bool tf32_requested, const char* override_env) {
  const bool disabled = override_env && std::string(override_env) == "0";
  return tf32_requested && !disabled ? "tf32" : "fp32";
}

namespace nvml {

// The few declarations of nvml.h that are needed (its ABI: nvmlReturn_t is an int, 0 = success;
// nvmlClockType_t NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2; clocks in MHz). The CUDA toolkit does not
// ship nvml.h everywhere, and the bench must build without it.
using DeviceHandle = struct nvmlDevice_st*;
using Init = int (*)();
using Shutdown = int (*)();
using HandleByPciBusId = int (*)(const char*, DeviceHandle*);
using ClockInfo = int (*)(DeviceHandle, int, unsigned int*);
constexpr int kSuccess = 0, kClockSm = 1, kClockMem = 2;

// Fills what NVML knows of the GPU at `pci_bus_id`; returns why not otherwise.
inline std::string read(const char* pci_bus_id, GpuClocks& clocks) {
  void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!lib) return "libnvidia-ml.so.1 not loadable";
  auto init = reinterpret_cast<Init>(dlsym(lib, "nvmlInit_v2"));
  auto shutdown = reinterpret_cast<Shutdown>(dlsym(lib, "nvmlShutdown"));
  auto handle = reinterpret_cast<HandleByPciBusId>(dlsym(lib, "nvmlDeviceGetHandleByPciBusId_v2"));
  auto current = reinterpret_cast<ClockInfo>(dlsym(lib, "nvmlDeviceGetClockInfo"));
  auto maximum = reinterpret_cast<ClockInfo>(dlsym(lib, "nvmlDeviceGetMaxClockInfo"));
  std::string why;
  if (!init || !shutdown || !handle || !current || !maximum) {
    why = "libnvidia-ml.so.1 lacks an NVML function";
  } else if (init() != kSuccess) {
    why = "nvmlInit_v2 failed";
  } else {
    DeviceHandle device = nullptr;
    if (handle(pci_bus_id, &device) != kSuccess) {
      why = std::string("no NVML device at PCI ") + pci_bus_id;
    } else {
      auto take = [&](ClockInfo f, int type, ClockReading& into) {
        unsigned int mhz = 0;
        if (into.mhz < 0 && f(device, type, &mhz) == kSuccess)
          into = {static_cast<int>(mhz), "nvml"};
      };
      take(current, kClockSm, clocks.sm_current);
      take(current, kClockMem, clocks.memory_current);
      take(maximum, kClockSm, clocks.sm_max);
      take(maximum, kClockMem, clocks.memory_max);
    }
    shutdown();
  }
  dlclose(lib);
  return why;
}

}  // namespace nvml

#ifdef EMOAUG_HAVE_CUDA
// The clocks of CUDA device `gpu`. Current clocks are a snapshot: read them right after the
// timed work, before the GPU idles down.
inline GpuClocks read_gpu_clocks(int gpu) {
  GpuClocks clocks;
  auto attribute = [&](cudaDeviceAttr attr, ClockReading& into) {
    int khz = 0;
    if (cudaDeviceGetAttribute(&khz, attr, gpu) == cudaSuccess && khz > 0)
      into = {khz / 1000, "cuda"};
    else
      cudaGetLastError();  // not sticky, but not to be met by the next check either
  };
  attribute(cudaDevAttrClockRate, clocks.sm_max);
  attribute(cudaDevAttrMemoryClockRate, clocks.memory_max);
  char pci[32] = {};
  if (cudaDeviceGetPCIBusId(pci, sizeof(pci), gpu) == cudaSuccess) {
    clocks.nvml_note = nvml::read(pci, clocks);
  } else {
    cudaGetLastError();
    clocks.nvml_note = "no PCI bus id for the device";
  }
  return clocks;
}
#endif

}  // namespace emoaug::bench
