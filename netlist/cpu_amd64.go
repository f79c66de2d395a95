//go:build amd64 && !purego

package netlist

// CPU feature detection for the vector kernels, with CPUID and XGETBV
// (netlist imports only the standard library, so not golang.org/x/sys/cpu).

func cpuid(eax, ecx uint32) (a, b, c, d uint32)

func xgetbv() (eax, edx uint32)

// cpuFeatures says which vector kernels the CPU and the operating system
// support.
type cpuFeatures struct {
	avx2   bool // AVX2, with YMM state enabled by the OS
	avx512 bool // AVX-512 F, DQ, BW and VPOPCNTDQ, with ZMM and opmask state enabled
}

func detectCPU() cpuFeatures {
	var f cpuFeatures
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return f
	}
	_, _, c1, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if c1&osxsave == 0 || c1&avx == 0 {
		return f
	}
	xcr0, _ := xgetbv()
	const ymmState = 0x6        // XMM and YMM
	const zmmState = 0xe0 | 0x6 // opmask, ZMM0-15 upper halves, ZMM16-31
	_, b7, c7, _ := cpuid(7, 0)
	const avx2, avx512f, avx512dq, avx512bw = 1 << 5, 1 << 16, 1 << 17, 1 << 30
	const vpopcntdq = 1 << 14
	f.avx2 = xcr0&ymmState == ymmState && b7&avx2 != 0
	f.avx512 = f.avx2 && xcr0&zmmState == zmmState &&
		b7&avx512f != 0 && b7&avx512dq != 0 && b7&avx512bw != 0 && c7&vpopcntdq != 0
	return f
}
