//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// func directBMI(buf []byte, i, end int, bm *uint32) (int, uint32)
//
// directGeneric, scalar: for each position the dword there gives the word
// (BEXTR: bits 5 to directBits-1) and the bit (its low five bits: BT takes
// them mod 32). Positions go from last to first so that ADC shifts the
// first into bit 0. No branch per position: a block branches once.
TEXT ·directBMI(SB), NOSPLIT, $0-60
	MOVQ buf_base+0(FP), SI
	MOVQ i+24(FP), CX
	MOVQ end+32(FP), DX
	MOVQ bm+40(FP), BX
	MOVL $((const_directBits-5)<<8 | 5), R13 // BEXTR: start 5, directBits-5 bits
	SUBQ $const_directReach, DX // the last block start

#define POS(k) \
	MOVL k(R8), AX \
	BEXTRL R13, AX, R9 \
	MOVL (BX)(R9*4), R9 \
	BTL AX, R9 \
	ADCL R10, R10

loop:
	CMPQ CX, DX
	JGT  done
	LEAQ (SI)(CX*1), R8
	XORL R10, R10
	POS(15)
	POS(14)
	POS(13)
	POS(12)
	POS(11)
	POS(10)
	POS(9)
	POS(8)
	POS(7)
	POS(6)
	POS(5)
	POS(4)
	POS(3)
	POS(2)
	POS(1)
	POS(0)
	TESTL R10, R10
	JNZ  found
	ADDQ $16, CX
	JMP  loop

found:
	MOVQ CX, ret+48(FP)
	MOVL R10, ret1+56(FP)
	RET

done:
	MOVQ CX, ret+48(FP)
	MOVL $0, ret1+56(FP)
	RET
