//go:build amd64 && !purego

#include "textflag.h"

// func binarizeAVX512(acc *int64, ast uintptr, nimg int, m *int64, u *int64, nv int, last uint64, dst *uint64, dstStride uintptr)
//
// For nimg entries (accumulators at acc + e*ast bytes, output word at
// dst + e*dstStride bytes) and nv vectors of 8 rows, the last one masked by
// last: bit r of the output word is (acc[r] ^ m[r]) > u[r]; bits past the
// rows are zero.
TEXT ·binarizeAVX512(SB), NOSPLIT, $0-72
	MOVQ acc+0(FP), SI
	MOVQ ast+8(FP), R8
	MOVQ nimg+16(FP), R9
	MOVQ m+24(FP), R10
	MOVQ u+32(FP), R11
	MOVQ nv+40(FP), R12
	DECQ R12
	MOVQ last+48(FP), AX
	KMOVW AX, K1
	MOVQ dst+56(FP), DI
	MOVQ dstStride+64(FP), R13
	TESTQ R9, R9
	JZ done

img:
	MOVQ $0, (DI)
	XORQ CX, CX
	CMPQ CX, R12
	JAE lastv

full:
	MOVQ CX, DX
	SHLQ $6, DX
	VMOVDQU64 (SI)(DX*1), Z0
	VPXORQ (R10)(DX*1), Z0, Z0
	VPCMPGTQ (R11)(DX*1), Z0, K2
	KMOVW K2, AX
	MOVB AX, (DI)(CX*1)
	INCQ CX
	CMPQ CX, R12
	JB full

lastv:
	MOVQ CX, DX
	SHLQ $6, DX
	VMOVDQU64.Z (SI)(DX*1), K1, Z0
	VMOVDQU64.Z (R10)(DX*1), K1, Z1
	VPXORQ Z1, Z0, Z0
	VMOVDQU64.Z (R11)(DX*1), K1, Z2
	VPCMPGTQ Z2, Z0, K1, K2
	KMOVW K2, AX
	MOVB AX, (DI)(CX*1)
	ADDQ R8, SI
	ADDQ R13, DI
	DECQ R9
	JNZ img

done:
	VZEROUPPER
	RET

// func pack1AVX512(px *byte, size int, nimg int, thr uint64, dst *uint64, nw int)
//
// Binarizes nimg images of size bytes (back to back at px): bit i of word w
// of image b (at dst + b*nw words) is px[b*size+64w+i] >= thr, for thr in
// 0..255; bits past size are zero.
TEXT ·pack1AVX512(SB), NOSPLIT, $0-48
	MOVQ px+0(FP), SI
	MOVQ size+8(FP), R8
	MOVQ nimg+16(FP), R9
	MOVQ thr+24(FP), AX
	VPBROADCASTB AX, Z1
	MOVQ dst+32(FP), DI
	MOVQ nw+40(FP), R10
	MOVQ R8, R11
	SHRQ $6, R11
	MOVQ R8, CX
	ANDQ $63, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVQ AX, K2
	TESTQ R9, R9
	JZ done

img:
	XORQ DX, DX
	TESTQ R11, R11
	JZ tail

full:
	MOVQ DX, BX
	SHLQ $6, BX
	VPCMPUB $2, (SI)(BX*1), Z1, K1
	KMOVQ K1, AX
	MOVQ AX, (DI)(DX*8)
	INCQ DX
	CMPQ DX, R11
	JB full

tail:
	TESTQ CX, CX
	JZ next
	MOVQ DX, BX
	SHLQ $6, BX
	VMOVDQU8.Z (SI)(BX*1), K2, Z0
	VPCMPUB $2, Z0, Z1, K2, K1
	KMOVQ K1, AX
	MOVQ AX, (DI)(DX*8)

next:
	ADDQ R8, SI
	LEAQ (DI)(R10*8), DI
	DECQ R9
	JNZ img

done:
	VZEROUPPER
	RET
