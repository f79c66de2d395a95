// The AVX-512 Adam update. adamRangeGo in optim.go is the same computation
// in Go, operation for operation (no fused multiply-adds), so the two give
// bit-identical results; TestAdamAsmMatchesGo checks it.

#include "textflag.h"

// func adamAVX512(p, grad, m, v *float32, n int, k *[8]float32)
// For the n elements (n a multiple of 16):
//   m = b1*m + c1*grad;  v = b2*v + (c2*grad)*grad
//   p = min(max(p - (lrt*m)/(sqrt(v) + eps), lo), hi)
// with k = {b1, c1, b2, c2, lrt, eps, lo, hi}.
TEXT ·adamAVX512(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), R9
	VBROADCASTSS 0(R9), Z16
	VBROADCASTSS 4(R9), Z17
	VBROADCASTSS 8(R9), Z18
	VBROADCASTSS 12(R9), Z19
	VBROADCASTSS 16(R9), Z20
	VBROADCASTSS 20(R9), Z21
	VBROADCASTSS 24(R9), Z22
	VBROADCASTSS 28(R9), Z23
	SHRQ $4, CX
	JZ done
loop:
	VMOVUPS (SI), Z0
	VMOVUPS (DX), Z1
	VMULPS Z16, Z1, Z1
	VMULPS Z17, Z0, Z2
	VADDPS Z2, Z1, Z1
	VMOVUPS Z1, (DX)
	VMOVUPS (R8), Z3
	VMULPS Z18, Z3, Z3
	VMULPS Z19, Z0, Z4
	VMULPS Z0, Z4, Z4
	VADDPS Z4, Z3, Z3
	VMOVUPS Z3, (R8)
	VSQRTPS Z3, Z5
	VADDPS Z21, Z5, Z5
	VMULPS Z20, Z1, Z6
	VDIVPS Z5, Z6, Z6
	VMOVUPS (DI), Z7
	VSUBPS Z6, Z7, Z7
	VMAXPS Z22, Z7, Z7
	VMINPS Z23, Z7, Z7
	VMOVUPS Z7, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, DX
	ADDQ $64, R8
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET

// func adamAVX2(p, grad, m, v *float32, n int, k *[8]float32)
// The same update for CPUs without AVX-512, 8 elements per step (n a
// multiple of 8); constants in Y8..Y15.
TEXT ·adamAVX2(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ m+16(FP), DX
	MOVQ v+24(FP), R8
	MOVQ n+32(FP), CX
	MOVQ k+40(FP), R9
	VBROADCASTSS 0(R9), Y8
	VBROADCASTSS 4(R9), Y9
	VBROADCASTSS 8(R9), Y10
	VBROADCASTSS 12(R9), Y11
	VBROADCASTSS 16(R9), Y12
	VBROADCASTSS 20(R9), Y13
	VBROADCASTSS 24(R9), Y14
	VBROADCASTSS 28(R9), Y15
	SHRQ $3, CX
	JZ done
loop:
	VMOVUPS (SI), Y0
	VMOVUPS (DX), Y1
	VMULPS Y8, Y1, Y1
	VMULPS Y9, Y0, Y2
	VADDPS Y2, Y1, Y1
	VMOVUPS Y1, (DX)
	VMOVUPS (R8), Y3
	VMULPS Y10, Y3, Y3
	VMULPS Y11, Y0, Y4
	VMULPS Y0, Y4, Y4
	VADDPS Y4, Y3, Y3
	VMOVUPS Y3, (R8)
	VSQRTPS Y3, Y5
	VADDPS Y13, Y5, Y5
	VMULPS Y12, Y1, Y6
	VDIVPS Y5, Y6, Y6
	VMOVUPS (DI), Y7
	VSUBPS Y6, Y7, Y7
	VMAXPS Y14, Y7, Y7
	VMINPS Y15, Y7, Y7
	VMOVUPS Y7, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	DECQ CX
	JNZ loop
done:
	VZEROUPPER
	RET
