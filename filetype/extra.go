package filetype

import "bytes"

// Containers that ClamAV's table does not type are still containers: a
// file of one holds members no scan has seen, so it must not pass for
// clean. Identify types them as ClamAV does (binary data or text, for targets
// and Container conditions alike); Extra names them for the unpackers. The
// magic bytes are the formats' own (ACE's header, StuffIt's two
// signatures, ZOO's archive tag, InstallShield's cabinet signature).
var extraMagics = []magic{
	{7, []byte("**ACE**"), ACE},
	{0, []byte("SIT!"), StuffIt},
	{0, []byte("StuffIt (c)1997"), StuffIt},
	{20, []byte{0xdc, 0xa7, 0xc4, 0xfd}, Zoo},
	{0, []byte("ISc("), ISCab},
}

// extraNames are the extra types' names, by Type-Ignored-1: not ClamAV's
// (no CL_TYPE_ prefix, and Parse knows none of them).
var extraNames = [...]string{"ACE", "STUFFIT", "ZOO", "ISCAB"}

// Extra returns the type of a container that ClamAV's typing does not
// know (ACE, StuffIt, ZOO, InstallShield cabinets) when head starts one,
// and Any for anything else.
func Extra(head []byte) Type {
	for _, mg := range extraMagics {
		if mg.off+len(mg.bytes) <= len(head) && bytes.Equal(head[mg.off:mg.off+len(mg.bytes)], mg.bytes) {
			return mg.t
		}
	}
	return Any
}
