//go:build !amd64 || purego

package matcher

func kernels() []kernel { return []kernel{genericKernel} }

func bestKernel() kernel { return genericKernel }
