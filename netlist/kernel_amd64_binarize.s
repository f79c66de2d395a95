//go:build amd64 && !purego

#include "textflag.h"

// func binarizeAVX2(acc *int64, ast uintptr, nimg int, m *int64, u *int64, nv int, dst *uint64, dstStride uintptr)
//
// For nimg entries (accumulators at acc + b*ast bytes), the word of bits
// r < 4*nv, bit r = (acc[r]^m[r]) > u[r], is stored at dst + b*dstStride.
TEXT ·binarizeAVX2(SB), NOSPLIT, $0-64
	MOVQ acc+0(FP), SI
	MOVQ ast+8(FP), R8
	MOVQ nimg+16(FP), R9
	MOVQ m+24(FP), R10
	MOVQ u+32(FP), R11
	MOVQ nv+40(FP), R12
	MOVQ dst+48(FP), DI
	MOVQ dstStride+56(FP), R13

entry:
	TESTQ R9, R9
	JZ    done
	XORQ  DX, DX
	XORQ  CX, CX
	XORQ  BX, BX
	MOVQ  R12, R14
	TESTQ R14, R14
	JZ    store

vec:
	VMOVDQU   (SI)(BX*1), Y0
	VPXOR     (R10)(BX*1), Y0, Y0
	VPCMPGTQ  (R11)(BX*1), Y0, Y0
	VMOVMSKPD Y0, AX
	SHLQ      CX, AX
	ORQ       AX, DX
	ADDQ      $32, BX
	ADDQ      $4, CX
	DECQ      R14
	JNZ       vec

store:
	MOVQ DX, (DI)
	ADDQ R8, SI
	ADDQ R13, DI
	DECQ R9
	JMP  entry

done:
	VZEROUPPER
	RET
