//go:build amd64 && !purego

#include "textflag.h"

// The AVX2 byte kernel of a convolution on 8-bit pixels (see
// kernel_amd64_conv8.go). Y0-Y3 accumulate the 32 channels of window 0
// (8 per register, two 16-bit lanes per channel), Y4-Y7 those of window 1;
// Y8 holds a weight vector, Y9-Y10 products, Y11 sixteen 16-bit ones,
// Y12-Y13 the broadcast 4 pixel bytes of windows 0 and 1.

// STEP2 multiplies weight vector off of the current group into both
// windows' accumulators a0 and a1.
#define STEP2(off, a0, a1) \
	VMOVDQU off(BX), Y8 \
	VPMADDUBSW Y8, Y12, Y9 \
	VPMADDUBSW Y8, Y13, Y10 \
	VPADDW Y9, a0, a0 \
	VPADDW Y10, a1, a1

#define STEP1(off, a0) \
	VPMADDUBSW off(BX), Y12, Y9 \
	VPADDW Y9, a0, a0

// STORE widens accumulator a (8 channels; xa its low half) to int64 and
// stores it at off(ptr).
#define STORE(a, xa, off, ptr) \
	VPMADDWD Y11, a, a \
	VPMOVSXDQ xa, Y9 \
	VEXTRACTI128 $1, a, X10 \
	VPMOVSXDQ X10, Y10 \
	VMOVDQU Y9, off(ptr) \
	VMOVDQU Y10, off+32(ptr)

// func conv8AVX2(w *int8, ng, kh int, x *byte, estep, rstep uintptr, nent int, acc *int64, ast uintptr)
TEXT ·conv8AVX2(SB), NOSPLIT, $0-72
	MOVQ w+0(FP), SI
	MOVQ ng+8(FP), R8
	MOVQ kh+16(FP), R9
	MOVQ x+24(FP), DI
	MOVQ estep+32(FP), R10
	MOVQ rstep+40(FP), R11
	MOVQ nent+48(FP), CX
	MOVQ acc+56(FP), DX
	MOVQ ast+64(FP), R12
	// R11 = the step from past a kernel row's last group to the next row.
	MOVQ R8, AX
	SHLQ $2, AX
	SUBQ AX, R11
	MOVL $0x00010001, AX
	MOVQ AX, X11
	VPBROADCASTD X11, Y11

pair:
	CMPQ CX, $2
	JLT  single
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	VPXOR Y4, Y4, Y4
	VPXOR Y5, Y5, Y5
	VPXOR Y6, Y6, Y6
	VPXOR Y7, Y7, Y7
	MOVQ SI, BX
	MOVQ DI, R13
	MOVQ R9, AX

row2:
	MOVQ R8, R14

group2:
	VPBROADCASTD (R13), Y12
	VPBROADCASTD (R13)(R10*1), Y13
	STEP2(0, Y0, Y4)
	STEP2(32, Y1, Y5)
	STEP2(64, Y2, Y6)
	STEP2(96, Y3, Y7)
	ADDQ $128, BX
	ADDQ $4, R13
	DECQ R14
	JNZ  group2
	ADDQ R11, R13
	DECQ AX
	JNZ  row2

	STORE(Y0, X0, 0, DX)
	STORE(Y1, X1, 64, DX)
	STORE(Y2, X2, 128, DX)
	STORE(Y3, X3, 192, DX)
	LEAQ (DX)(R12*1), R13
	STORE(Y4, X4, 0, R13)
	STORE(Y5, X5, 64, R13)
	STORE(Y6, X6, 128, R13)
	STORE(Y7, X7, 192, R13)

	LEAQ (DI)(R10*2), DI
	LEAQ (DX)(R12*2), DX
	SUBQ $2, CX
	JMP  pair

single:
	TESTQ CX, CX
	JZ    done
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
	VPXOR Y2, Y2, Y2
	VPXOR Y3, Y3, Y3
	MOVQ SI, BX
	MOVQ DI, R13
	MOVQ R9, AX

row1:
	MOVQ R8, R14

group1:
	VPBROADCASTD (R13), Y12
	STEP1(0, Y0)
	STEP1(32, Y1)
	STEP1(64, Y2)
	STEP1(96, Y3)
	ADDQ $128, BX
	ADDQ $4, R13
	DECQ R14
	JNZ  group1
	ADDQ R11, R13
	DECQ AX
	JNZ  row1

	STORE(Y0, X0, 0, DX)
	STORE(Y1, X1, 64, DX)
	STORE(Y2, X2, 128, DX)
	STORE(Y3, X3, 192, DX)

done:
	VZEROUPPER
	RET
