// AVX2 batch-norm passes (bn_amd64.go). Each runs over rows rows of n
// channels (n a multiple of 4), the rows stride floats apart, 4 channels
// per step, with the operations of the Go loops in bnpass.go in the same
// order (float64 per channel, no fused multiply-adds), so the results are
// bit-identical to them (TestBNPassesAsmMatchGo).

#include "textflag.h"

// func bnSumAVX2(y *float32, rows, stride, n int, acc *float64)
// acc[c] += float64(y[b*stride+c]).
TEXT ·bnSumAVX2(SB), NOSPLIT, $0-40
	MOVQ y+0(FP), SI
	MOVQ rows+8(FP), BX
	MOVQ stride+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), DX
	SHRQ $2, DX
	TESTQ BX, BX
	JZ sumdone
	TESTQ DX, DX
	JZ sumdone
sumrow:
	MOVQ SI, AX
	MOVQ acc+32(FP), DI
	MOVQ DX, CX
sumcol:
	VCVTPS2PD (AX), Y0
	VADDPD (DI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ $16, AX
	ADDQ $32, DI
	DECQ CX
	JNZ sumcol
	ADDQ R8, SI
	DECQ BX
	JNZ sumrow
sumdone:
	VZEROUPPER
	RET

// func bnDevAVX2(y *float32, rows, stride, n int, mean, dev *float64)
// d = float64(y[b*stride+c]) - mean[c]; dev[c] += d*d.
TEXT ·bnDevAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), SI
	MOVQ rows+8(FP), BX
	MOVQ stride+16(FP), R8
	SHLQ $2, R8
	MOVQ n+24(FP), DX
	SHRQ $2, DX
	TESTQ BX, BX
	JZ devdone
	TESTQ DX, DX
	JZ devdone
devrow:
	MOVQ SI, AX
	MOVQ mean+32(FP), R9
	MOVQ dev+40(FP), DI
	MOVQ DX, CX
devcol:
	VCVTPS2PD (AX), Y0
	VSUBPD (R9), Y0, Y0
	VMULPD Y0, Y0, Y0
	VADDPD (DI), Y0, Y0
	VMOVUPD Y0, (DI)
	ADDQ $16, AX
	ADDQ $32, R9
	ADDQ $32, DI
	DECQ CX
	JNZ devcol
	ADDQ R8, SI
	DECQ BX
	JNZ devrow
devdone:
	VZEROUPPER
	RET

// func bnNormAVX2(y, xhat *float32, rows, stride, n int, mean *float64, inv, gam, beta *float32)
// xh = float32(float64(y) - mean[c]) * inv[c]; xhat = xh; y = gam[c]*xh + beta[c].
TEXT ·bnNormAVX2(SB), NOSPLIT, $0-72
	MOVQ y+0(FP), SI
	MOVQ xhat+8(FP), R11
	MOVQ rows+16(FP), BX
	MOVQ stride+24(FP), R8
	SHLQ $2, R8
	MOVQ n+32(FP), DX
	SHRQ $2, DX
	TESTQ BX, BX
	JZ normdone
	TESTQ DX, DX
	JZ normdone
normrow:
	MOVQ SI, AX
	MOVQ R11, DI
	MOVQ mean+40(FP), R9
	MOVQ inv+48(FP), R10
	MOVQ gam+56(FP), R12
	MOVQ beta+64(FP), R13
	MOVQ DX, CX
normcol:
	VCVTPS2PD (AX), Y0
	VSUBPD (R9), Y0, Y0
	VCVTPD2PSY Y0, X0
	VMULPS (R10), X0, X0
	VMOVUPS X0, (DI)
	VMULPS (R12), X0, X1
	VADDPS (R13), X1, X1
	VMOVUPS X1, (AX)
	ADDQ $16, AX
	ADDQ $16, DI
	ADDQ $32, R9
	ADDQ $16, R10
	ADDQ $16, R12
	ADDQ $16, R13
	DECQ CX
	JNZ normcol
	ADDQ R8, SI
	ADDQ R8, R11
	DECQ BX
	JNZ normrow
normdone:
	VZEROUPPER
	RET

// func bnGradSumAVX2(d, xhat *float32, rows, stride, n int, sdy, sdyx *float64)
// sdy[c] += float64(d); sdyx[c] += float64(d) * float64(xhat).
TEXT ·bnGradSumAVX2(SB), NOSPLIT, $0-56
	MOVQ d+0(FP), SI
	MOVQ xhat+8(FP), R11
	MOVQ rows+16(FP), BX
	MOVQ stride+24(FP), R8
	SHLQ $2, R8
	MOVQ n+32(FP), DX
	SHRQ $2, DX
	TESTQ BX, BX
	JZ gsdone
	TESTQ DX, DX
	JZ gsdone
gsrow:
	MOVQ SI, AX
	MOVQ R11, R10
	MOVQ sdy+40(FP), DI
	MOVQ sdyx+48(FP), R9
	MOVQ DX, CX
gscol:
	VCVTPS2PD (AX), Y0
	VADDPD (DI), Y0, Y1
	VMOVUPD Y1, (DI)
	VCVTPS2PD (R10), Y2
	VMULPD Y2, Y0, Y2
	VADDPD (R9), Y2, Y2
	VMOVUPD Y2, (R9)
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ $32, DI
	ADDQ $32, R9
	DECQ CX
	JNZ gscol
	ADDQ R8, SI
	ADDQ R8, R11
	DECQ BX
	JNZ gsrow
gsdone:
	VZEROUPPER
	RET

// func bnGradAVX2(d, xhat *float32, rows, stride, n int, my, mx, gs *float64)
// d = float32(g[c] * ((float64(d) - my[c]) - float64(xhat)*mx[c])).
TEXT ·bnGradAVX2(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), SI
	MOVQ xhat+8(FP), R11
	MOVQ rows+16(FP), BX
	MOVQ stride+24(FP), R8
	SHLQ $2, R8
	MOVQ n+32(FP), DX
	SHRQ $2, DX
	TESTQ BX, BX
	JZ gdone
	TESTQ DX, DX
	JZ gdone
gradrow:
	MOVQ SI, AX
	MOVQ R11, R10
	MOVQ my+40(FP), DI
	MOVQ mx+48(FP), R9
	MOVQ gs+56(FP), R12
	MOVQ DX, CX
gcol:
	VCVTPS2PD (AX), Y0
	VSUBPD (DI), Y0, Y0
	VCVTPS2PD (R10), Y1
	VMULPD (R9), Y1, Y1
	VSUBPD Y1, Y0, Y0
	VMULPD (R12), Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS X0, (AX)
	ADDQ $16, AX
	ADDQ $16, R10
	ADDQ $32, DI
	ADDQ $32, R9
	ADDQ $32, R12
	DECQ CX
	JNZ gcol
	ADDQ R8, SI
	ADDQ R8, R11
	DECQ BX
	JNZ gradrow
gdone:
	VZEROUPPER
	RET
