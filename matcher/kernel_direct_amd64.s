//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// func directBMI(buf []byte, i, end int, bm *uint32, out []int32) (int, int)
//
// directGeneric, scalar: for each position the dword there gives the word
// (BEXTR: bits 5 to directBits-1) and the bit (its low five bits: BT takes
// them mod 32). Positions go from last to first so that ADC shifts the
// first into bit 0. No branch per position: a block branches once, and
// a block with passing positions appends them to out (TZCNT, BLSR).
TEXT ·directBMI(SB), NOSPLIT, $0-88
	MOVQ buf_base+0(FP), SI
	MOVQ i+24(FP), CX
	MOVQ end+32(FP), DX
	MOVQ bm+40(FP), BX
	MOVQ out_base+48(FP), DI
	MOVQ out_len+56(FP), R15
	SUBQ $const_directLanes, R15 // out is full when fewer slots are left
	XORQ R14, R14                // positions appended
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
	CMPQ R14, R15
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
	TZCNTL R10, R11
	ADDL CX, R11
	MOVL R11, (DI)(R14*4)
	INCQ R14
	BLSRL R10, R10
	JNZ  found
	ADDQ $16, CX
	JMP  loop

done:
	MOVQ CX, ret+72(FP)
	MOVQ R14, ret1+80(FP)
	RET
