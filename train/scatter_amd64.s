#include "textflag.h"

// func scatterF32(dst, src *float32, n, stride int)
// dst[k*stride] = src[k] for k < n (n > 0): the GEMM's packing of
// contiguous runs into interleaved panels, four elements per step.
TEXT ·scatterF32(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	MOVQ stride+24(FP), R8
	SHLQ $2, R8
	CMPQ CX, $4
	JLT one
four:
	MOVL 0(SI), AX
	MOVL 4(SI), BX
	MOVL 8(SI), DX
	MOVL 12(SI), R9
	MOVL AX, (DI)
	ADDQ R8, DI
	MOVL BX, (DI)
	ADDQ R8, DI
	MOVL DX, (DI)
	ADDQ R8, DI
	MOVL R9, (DI)
	ADDQ R8, DI
	ADDQ $16, SI
	SUBQ $4, CX
	CMPQ CX, $4
	JGE four
one:
	TESTQ CX, CX
	JZ done
	MOVL (SI), AX
	MOVL AX, (DI)
	ADDQ R8, DI
	ADDQ $4, SI
	DECQ CX
	JMP one
done:
	RET
