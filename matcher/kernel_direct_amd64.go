//go:build amd64 && !purego

package matcher

// directBMI is directGeneric in kernel_direct_amd64.s (BMI1 for BEXTR,
// TZCNT and BLSR); end must not exceed len(buf), bm must have
// 1<<(directBits-5) words.
//
//go:noescape
func directBMI(buf []byte, i, end int, bm *uint32, out []int32) (int, int)
