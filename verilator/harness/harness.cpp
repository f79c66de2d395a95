// qnn co-simulation harness for Verilator (embedded in qnn, package verilator).
//
// Drives the generated top (compiled with --prefix Vtop) exactly as qnn's Go
// simulator does (docs/dataflow.md "Co-simulation stimulus and stall
// schedule"): every cycle k after reset draws r_in then r_out from splitmix64;
// a pending input beat is offered when u(r_in) >= stall_in and stays offered
// until its handshake; m_axis_tready = u(r_out) >= stall_out; rst_n is low in
// the cycles of RESETS (the stimulus carries on). Every output handshake is
// written to OUT as "k tdata" (tdata in lowercase hex, ceil(bits/4) digits,
// most significant first), every change of (frame_err, frame_drops) as
// sampled in cycle k to STATUS as "k err drops".
//
// Usage: harness STIM OUT STATUS STALL_IN STALL_OUT SEED FRAMES MAX_CYCLES
//                OUT_BITS RESETS|- TRACE|- [+verilator+seed+N +verilator+rand+reset+2]
// STIM: first line the number of beats, then per beat "hex tlast" (0 or 1).
// RESETS: "k:n,k:n,...": rst_n low in cycles k .. k+n-1.
// The last line on stdout is "qnn-harness cycles=K outputs=N seconds=S".
#include "Vtop.h"
#include "verilated.h"
#if defined(QNN_TRACE_VCD)
#include "verilated_vcd_c.h"
#elif defined(QNN_TRACE_FST)
#include "verilated_fst_c.h"
#endif

#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

uint64_t sm_state;

uint64_t sm_next() {
  uint64_t z = (sm_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double uniform(uint64_t r) { return static_cast<double>(r >> 11) / 9007199254740992.0; }

using Words = std::vector<uint32_t>;

// Parses a hex string into little-endian 32-bit words (at least n words).
Words parse_hex(const char* s, size_t n) {
  Words w(n, 0);
  size_t len = std::strlen(s);
  for (size_t i = 0; i < len; i++) {
    char c = s[len - 1 - i];
    uint32_t v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : 0;
    if (i / 8 < n) w[i / 8] |= v << (4 * (i % 8));
  }
  return w;
}

void set_port(CData& d, const Words& w) { d = static_cast<CData>(w[0]); }
void set_port(SData& d, const Words& w) { d = static_cast<SData>(w[0]); }
void set_port(IData& d, const Words& w) { d = w[0]; }
void set_port(QData& d, const Words& w) { d = static_cast<QData>(w[0]) | (static_cast<QData>(w[1]) << 32); }
template <std::size_t N>
void set_port(VlWide<N>& d, const Words& w) {
  for (std::size_t i = 0; i < N; i++) d[i] = w[i];
}

void get_port(CData d, Words& w) { w[0] = d; }
void get_port(SData d, Words& w) { w[0] = d; }
void get_port(IData d, Words& w) { w[0] = d; }
void get_port(QData d, Words& w) {
  w[0] = static_cast<uint32_t>(d);
  w[1] = static_cast<uint32_t>(d >> 32);
}
template <std::size_t N>
void get_port(const VlWide<N>& d, Words& w) {
  for (std::size_t i = 0; i < N; i++) w[i] = d[i];
}

// Formats the low bits of w as ceil(bits/4) hex digits, MSB first.
void format_hex(const Words& w, int bits, std::string& out) {
  static const char digits[] = "0123456789abcdef";
  int n = (bits + 3) / 4;
  out.resize(n);
  for (int d = 0; d < n; d++) {
    int nib = n - 1 - d;
    out[d] = digits[(w[nib / 8] >> (4 * (nib % 8))) & 15];
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
  ctx->commandArgs(argc, argv);
  std::vector<const char*> args;
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '+') args.push_back(argv[i]);
  }
  if (args.size() != 11) {
    std::fprintf(stderr, "qnn-harness: usage: STIM OUT STATUS STALL_IN STALL_OUT SEED FRAMES MAX_CYCLES OUT_BITS RESETS|- TRACE|-\n");
    return 2;
  }
  const char* stim_path = args[0];
  const char* out_path = args[1];
  const char* status_path = args[2];
  const double stall_in = std::strtod(args[3], nullptr);
  const double stall_out = std::strtod(args[4], nullptr);
  sm_state = std::strtoull(args[5], nullptr, 10);
  const long long frames = std::strtoll(args[6], nullptr, 10);
  const long long max_cycles = std::strtoll(args[7], nullptr, 10);
  const int out_bits = std::atoi(args[8]);
  std::vector<std::pair<long long, long long>> resets;  // [from, to)
  if (std::strcmp(args[9], "-") != 0) {
    const char* p = args[9];
    while (*p) {
      char* end = nullptr;
      const long long k = std::strtoll(p, &end, 10);
      if (*end != ':') {
        std::fprintf(stderr, "qnn-harness: bad RESETS %s\n", args[9]);
        return 2;
      }
      const long long n = std::strtoll(end + 1, &end, 10);
      resets.emplace_back(k, k + n);
      p = (*end == ',') ? end + 1 : end;
    }
  }
  const char* trace_path = args[10];

  FILE* stim = std::fopen(stim_path, "r");
  if (!stim) {
    std::fprintf(stderr, "qnn-harness: cannot open %s\n", stim_path);
    return 2;
  }
  long long nbeats = 0;
  if (std::fscanf(stim, "%lld", &nbeats) != 1 || nbeats < 0) {
    std::fprintf(stderr, "qnn-harness: %s: bad beat count\n", stim_path);
    return 2;
  }
  const std::unique_ptr<Vtop> top{new Vtop{ctx.get()}};
  const size_t in_words = sizeof(top->s_axis_tdata) / 4 + 2;
  const size_t out_words = sizeof(top->m_axis_tdata) / 4 + 2;
  std::vector<Words> beats;
  std::vector<bool> lasts;
  beats.reserve(nbeats);
  std::vector<char> buf(1 << 16);
  for (long long i = 0; i < nbeats; i++) {
    int last = 0;
    if (std::fscanf(stim, "%65535s %d", buf.data(), &last) != 2) {
      std::fprintf(stderr, "qnn-harness: %s: %lld of %lld beats\n", stim_path, i, nbeats);
      return 2;
    }
    beats.push_back(parse_hex(buf.data(), in_words));
    lasts.push_back(last != 0);
  }
  std::fclose(stim);
  FILE* out = std::fopen(out_path, "w");
  FILE* status = std::fopen(status_path, "w");
  if (!out || !status) {
    std::fprintf(stderr, "qnn-harness: cannot create %s or %s\n", out_path, status_path);
    return 2;
  }

#if defined(QNN_TRACE_VCD) || defined(QNN_TRACE_FST)
  ctx->traceEverOn(true);
#if defined(QNN_TRACE_VCD)
  const std::unique_ptr<VerilatedVcdC> tfp{new VerilatedVcdC};
#else
  const std::unique_ptr<VerilatedFstC> tfp{new VerilatedFstC};
#endif
  const bool tracing = std::strcmp(trace_path, "-") != 0;
  if (tracing) {
    top->trace(tfp.get(), 99);
    tfp->open(trace_path);
  }
#define QNN_DUMP(t) \
  if (tracing) tfp->dump(t)
#else
  (void)trace_path;
#define QNN_DUMP(t)
#endif

  const Words zero(in_words, 0);
  // One cycle is two evaluations: inputs applied with clk low (this is also
  // the falling edge), outputs sampled, then the rising edge.
  uint64_t time = 0;
  auto rise = [&]() {
    top->clk = 1;
    top->eval();
    QNN_DUMP(time + 5);
    time += 10;
  };

  // Reset: 4 cycles with rst_n low, nothing offered, nothing accepted.
  top->rst_n = 0;
  top->s_axis_tvalid = 0;
  top->s_axis_tlast = 0;
  top->m_axis_tready = 0;
  set_port(top->s_axis_tdata, zero);
  for (int i = 0; i < 4; i++) {
    top->clk = 0;
    top->eval();
    QNN_DUMP(time);
    rise();
  }
  top->rst_n = 1;

  const auto start = std::chrono::steady_clock::now();
  long long next = 0, outputs = 0, k = 0;
  bool offered = false;
  Words w(out_words, 0);
  std::string hex;
  unsigned long long err = 0, drops = 0;  // frame_err, frame_drops as last written
  for (; k < max_cycles && outputs < frames; k++) {
    const uint64_t r_in = sm_next();
    const uint64_t r_out = sm_next();
    if (!offered && next < nbeats && uniform(r_in) >= stall_in) {
      offered = true;
      set_port(top->s_axis_tdata, beats[next]);
      top->s_axis_tlast = lasts[next];
    }
    bool rst = false;
    for (const auto& r : resets) rst = rst || (k >= r.first && k < r.second);
    top->rst_n = !rst;
    top->s_axis_tvalid = offered;
    top->m_axis_tready = uniform(r_out) >= stall_out;
    top->clk = 0;
    top->eval();
    QNN_DUMP(time);
    const unsigned long long e = top->frame_err, d = top->frame_drops;
    if (e != err || d != drops) {
      std::fprintf(status, "%lld %llu %llu\n", k, e, d);
      err = e;
      drops = d;
    }
    const bool in_hs = offered && top->s_axis_tready;
    const bool out_hs = top->m_axis_tvalid && top->m_axis_tready;
    if (out_hs) {
      get_port(top->m_axis_tdata, w);
      format_hex(w, out_bits, hex);
      std::fprintf(out, "%lld %s\n", k, hex.c_str());
      outputs++;
    }
    rise();
    if (in_hs) {
      offered = false;
      next++;
      if (next == nbeats) {
        set_port(top->s_axis_tdata, zero);
        top->s_axis_tlast = 0;
      }
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  top->final();
#if defined(QNN_TRACE_VCD) || defined(QNN_TRACE_FST)
  if (tracing) tfp->close();
#endif
  std::fclose(out);
  std::fclose(status);
  std::printf("qnn-harness cycles=%lld outputs=%lld seconds=%.6f\n", k, outputs, seconds);
  return 0;
}
