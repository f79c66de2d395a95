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

// func addF32(dst, src *float32, n int)
// dst[i] += src[i] for i < n (col2im's sums), 8 floats per AVX2 step; each
// element is one float32 add, as in the Go loop.
TEXT ·addF32(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	CMPQ CX, $8
	JLT tail
eight:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	CMPQ CX, $8
	JGE eight
	VZEROUPPER
tail:
	TESTQ CX, CX
	JZ adone
	MOVSS (DI), X0
	ADDSS (SI), X0
	MOVSS X0, (DI)
	ADDQ $4, DI
	ADDQ $4, SI
	DECQ CX
	JMP tail
adone:
	RET
