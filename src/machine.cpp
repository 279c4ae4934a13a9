// describe_machine(): cpuinfo (pytorch/cpuinfo) where it was found at configure time.
#include "nnsimd/machine.hpp"

#include <cctype>
#include <string>
#include <thread>

#if defined(__unix__)
#include <unistd.h>
#endif

#if defined(NNSIMD_HAVE_CPUINFO)
#include <cpuinfo.h>
#endif

namespace nnsimd {
namespace {

std::string slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)))
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!out.empty() && out.back() != '-')
      out += '-';
  }
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out.empty() ? "unknown" : out;
}

#if defined(NNSIMD_HAVE_CPUINFO)
const char* vendor_name(cpuinfo_vendor v) {
  switch (v) {
    case cpuinfo_vendor_intel: return "Intel";
    case cpuinfo_vendor_amd: return "AMD";
    case cpuinfo_vendor_arm: return "ARM";
    case cpuinfo_vendor_qualcomm: return "Qualcomm";
    case cpuinfo_vendor_apple: return "Apple";
    case cpuinfo_vendor_hygon: return "Hygon";
    default: return "unknown";
  }
}

// cpuinfo has no name function; the microarchitectures of the x86 servers and desktops one meets.
const char* uarch_name(cpuinfo_uarch u) {
  switch (u) {
    case cpuinfo_uarch_haswell: return "Haswell";
    case cpuinfo_uarch_broadwell: return "Broadwell";
    case cpuinfo_uarch_sky_lake: return "Skylake";
    case cpuinfo_uarch_palm_cove: return "Palm Cove";
    case cpuinfo_uarch_sunny_cove: return "Sunny Cove";
    case cpuinfo_uarch_zen: return "Zen";
    case cpuinfo_uarch_zen2: return "Zen 2";
    case cpuinfo_uarch_zen3: return "Zen 3";
    case cpuinfo_uarch_neoverse_n1: return "Neoverse N1";
    case cpuinfo_uarch_neoverse_v1: return "Neoverse V1";
    case cpuinfo_uarch_neoverse_n2: return "Neoverse N2";
    case cpuinfo_uarch_cortex_a72: return "Cortex-A72";
    case cpuinfo_uarch_cortex_a76: return "Cortex-A76";
    default: return "unknown";
  }
}
#endif

machine_info detect() {
  machine_info m;
#if defined(__x86_64__)
  m.arch = "x86_64";
#elif defined(__aarch64__)
  m.arch = "aarch64";
#else
  m.arch = "unknown";
#endif
  m.vendor = m.model = m.uarch = "unknown";
#if defined(__unix__)
  if (const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE); pages > 0 && page > 0)
    m.memory_bytes = static_cast<std::size_t>(pages) * static_cast<std::size_t>(page);
#endif
  m.logical_processors = std::thread::hardware_concurrency();
  m.cores = m.logical_processors;
#if defined(NNSIMD_HAVE_CPUINFO)
  if (cpuinfo_initialize()) {
    const cpuinfo_core* core = cpuinfo_get_core(0);
    m.vendor = vendor_name(core->vendor);
    m.model = cpuinfo_get_package(0)->name;
    m.uarch = uarch_name(core->uarch);
    m.cores = cpuinfo_get_cores_count();
    m.logical_processors = cpuinfo_get_processors_count();
#if CPUINFO_ARCH_X86_64
    // CPUID leaf 1 EAX: display family = base + extended, display model = (extended << 4) + base.
    const std::uint32_t eax = core->cpuid;
    const unsigned base_family = (eax >> 8) & 0xf, base_model = (eax >> 4) & 0xf;
    m.family = base_family == 0xf ? base_family + ((eax >> 20) & 0xff) : base_family;
    m.model_id = (base_family == 0x6 || base_family == 0xf) ? (((eax >> 16) & 0xf) << 4) + base_model : base_model;
    // This cpuinfo predates Zen 4: name AMD family 19h (25) and 1Ah (26) from the model ranges AMD
    // documents (19h models 10h-1Fh Genoa, 60h-7Fh Raphael/Phoenix, A0h-AFh Bergamo are Zen 4).
    if (m.uarch == "unknown" && core->vendor == cpuinfo_vendor_amd) {
      const unsigned mo = m.model_id;
      if (m.family == 25)
        m.uarch = (mo >= 0x10 && mo <= 0x1f) || (mo >= 0x60 && mo <= 0x7f) || (mo >= 0xa0 && mo <= 0xaf) ? "Zen 4" : "Zen 3";
      else if (m.family == 26)
        m.uarch = "Zen 5";
    }
    // Nor the recent Xeons (Intel's model numbers, family 6): 8Fh Sapphire Rapids, CFh Emerald Rapids,
    // ADh Granite Rapids.
    if (m.uarch == "unknown" && core->vendor == cpuinfo_vendor_intel && m.family == 6) {
      if (m.model_id == 0x8f) m.uarch = "Sapphire Rapids";
      if (m.model_id == 0xcf) m.uarch = "Emerald Rapids";
      if (m.model_id == 0xad) m.uarch = "Granite Rapids";
    }
    const std::pair<const char*, bool> flags[] = {
        {"sse2", cpuinfo_has_x86_sse2()},         {"sse4.2", cpuinfo_has_x86_sse4_2()},
        {"avx", cpuinfo_has_x86_avx()},           {"avx2", cpuinfo_has_x86_avx2()},
        {"fma3", cpuinfo_has_x86_fma3()},         {"f16c", cpuinfo_has_x86_f16c()},
        {"avx512f", cpuinfo_has_x86_avx512f()},   {"avx512cd", cpuinfo_has_x86_avx512cd()},
        {"avx512dq", cpuinfo_has_x86_avx512dq()}, {"avx512bw", cpuinfo_has_x86_avx512bw()},
        {"avx512vl", cpuinfo_has_x86_avx512vl()}, {"avx512vnni", cpuinfo_has_x86_avx512vnni()},
        {"avx512bf16", cpuinfo_has_x86_avx512bf16()},
    };
    for (auto [name, has] : flags)
      if (has) m.isa_flags.emplace_back(name);
#endif
    if (const cpuinfo_cache* c = cpuinfo_get_l1d_cache(0)) m.l1d_bytes = c->size;
    if (const cpuinfo_cache* c = cpuinfo_get_l2_cache(0)) m.l2_bytes = c->size;
    if (cpuinfo_get_l3_caches_count() > 0) m.l3_bytes = cpuinfo_get_l3_cache(0)->size;
  }
#endif
#if defined(__aarch64__)
  m.isa_flags.emplace_back("neon");
#endif
  // The model name usually starts with the vendor ("AMD EPYC"): name the vendor once.
  const std::string vendor = slug(m.vendor), model = slug(m.model);
  m.id = m.arch;
  m.id.append("-").append(model.rfind(vendor, 0) == 0 ? model : vendor + "-" + model);
  if (m.family != 0) m.id.append("-f").append(std::to_string(m.family)).append("m").append(std::to_string(m.model_id));
  m.id.append("-").append(std::to_string(m.cores)).append("c");
  return m;
}

}  // namespace

const machine_info& describe_machine() {
  static const machine_info m = detect();
  return m;
}

}  // namespace nnsimd
