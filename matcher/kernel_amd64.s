//go:build amd64 && !purego

#include "textflag.h"

// func probeAVX2(buf []byte, i, end int, bloom []uint32, shift, gmask uint32, stride int, shuf *[32]byte, out []int32) (int, int)
//
// Eight probes per round at i, i+S, ..., i+7S: the 16 bytes at i and the 16
// at i+4S are shuffled so that each dword holds one gram, masked;
// key = gram*0x9E3779B1 picks the word (key >> shift, by gather),
// h = gram*0x85EBCA6B the bits h>>27, h>>22&31, h>>17&31. A lane passes
// when its word has all three bits; its position is appended to out
// (TZCNT, BLSR), and the loop goes on while out has room for a block.
TEXT ·probeAVX2(SB), NOSPLIT, $0-128
	MOVQ buf_base+0(FP), SI
	MOVQ i+24(FP), CX
	MOVQ end+32(FP), DX
	MOVQ bloom_base+40(FP), BX
	MOVL shift+64(FP), AX
	MOVQ AX, X9               // word index shift count
	MOVL gmask+68(FP), AX
	MOVD AX, X14
	VPBROADCASTD X14, Y14     // gram mask
	MOVQ stride+72(FP), R9
	MOVQ R9, R13              // S
	SHLQ $2, R9               // 4S: offset of the second half
	LEAQ 16(R9), R10          // reach of a block
	LEAQ (R9)(R9*1), R11      // 8S: advance per block
	MOVQ shuf+80(FP), AX
	VMOVDQU (AX), Y15         // byte shuffle of the stride
	MOVL $0x9E3779B1, AX
	MOVD AX, X13
	VPBROADCASTD X13, Y13     // gramMul
	MOVL $0x85EBCA6B, AX
	MOVD AX, X12
	VPBROADCASTD X12, Y12     // bitsMul
	MOVL $1, AX
	MOVD AX, X11
	VPBROADCASTD X11, Y11     // 1 in every lane
	MOVL $31, AX
	MOVD AX, X10
	VPBROADCASTD X10, Y10     // 31 in every lane
	MOVQ out_base+88(FP), DI
	MOVQ out_len+96(FP), R15
	SUBQ $8, R15              // out is full when fewer slots are left
	XORQ R14, R14             // positions appended

loop:
	LEAQ (CX)(R10*1), R8
	CMPQ R8, DX
	JGT  done
	CMPQ R14, R15
	JGT  done
	LEAQ (SI)(CX*1), R8
	VMOVDQU (R8), X0
	VINSERTI128 $1, (R8)(R9*1), Y0, Y0
	VPSHUFB Y15, Y0, Y0
	VPAND   Y14, Y0, Y0       // grams
	VPMULLD Y13, Y0, Y1
	VPSRLD  X9, Y1, Y2        // word indexes
	VPMULLD Y12, Y0, Y3
	VPSRLD  $27, Y3, Y4
	VPSRLD  $22, Y3, Y5
	VPAND   Y10, Y5, Y5
	VPSRLD  $17, Y3, Y6
	VPAND   Y10, Y6, Y6
	VPSLLVD Y4, Y11, Y4
	VPSLLVD Y5, Y11, Y5
	VPSLLVD Y6, Y11, Y6
	VPOR    Y4, Y5, Y4
	VPOR    Y4, Y6, Y4        // the three bits
	VPCMPEQD Y7, Y7, Y7       // gather mask: all lanes (the gather clears it)
	VPXOR   Y8, Y8, Y8
	VPGATHERDD Y7, (BX)(Y2*4), Y8
	VPAND   Y8, Y4, Y8
	VPCMPEQD Y8, Y4, Y8
	VMOVMSKPS Y8, AX
	TESTL   AX, AX
	JNZ     found
	ADDQ    R11, CX
	JMP     loop

found:
	TZCNTL AX, R12
	IMULQ  R13, R12
	ADDQ   CX, R12
	MOVL   R12, (DI)(R14*4)
	INCQ   R14
	BLSRL  AX, AX
	JNZ    found
	ADDQ   R11, CX
	JMP    loop

done:
	MOVQ CX, ret+112(FP)
	MOVQ R14, ret1+120(FP)
	VZEROUPPER
	RET

