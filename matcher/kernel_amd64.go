//go:build amd64 && !purego

package matcher

import "golang.org/x/sys/cpu"

// probeAVX2 is probeGeneric in kernel_amd64.s for stride 1-4, given the
// byte shuffle of the stride; end must not exceed len(buf).
//
// A 16-lane AVX-512 version measured the same speed on this machine's CPU
// (AMD Zen 5): the gather, not the arithmetic, bounds both, so it was not
// kept.
//
//go:noescape
func probeAVX2(buf []byte, i, end int, bloom []uint32, shift, gmask uint32, stride int, shuf *[32]byte, out []int32) (int, int)

// shuffles[S] moves the grams at 0, S, 2S, 3S of each 16-byte half into
// its four dwords.
var shuffles = func() (t [5][32]byte) {
	for s := 1; s <= 4; s++ {
		for lane := range 2 {
			for k := range 4 {
				for b := range 4 {
					t[s][16*lane+4*k+b] = byte(k*s + b)
				}
			}
		}
	}
	return
}()

var avx2Kernel = kernel{"avx2", func(buf []byte, i, end int, bloom []uint32, shift, gmask uint32, stride int, out []int32) (int, int) {
	return probeAVX2(buf[:end], i, end, bloom, shift, gmask, stride, &shuffles[stride], out)
}, func(buf []byte, i, end int, bm []uint32, out []int32) (int, int) {
	return directBMI(buf[:end], i, end, &bm[0], out)
}}

// kernels lists the kernels this CPU can run, the generic one first.
func kernels() []kernel {
	ks := []kernel{genericKernel}
	if cpu.X86.HasAVX2 && cpu.X86.HasBMI1 { // every AVX2 CPU has BEXTR (directBMI)
		ks = append(ks, avx2Kernel)
	}
	return ks
}

func bestKernel() kernel {
	ks := kernels()
	return ks[len(ks)-1]
}
