package sigfile

// Name returns the signature name of the entry (the ignored name for
// .ign/.ign2 lines), or "" for a zero Entry.
func (e Entry) Name() string {
	switch {
	case e.Hash != nil:
		return e.Hash.Name
	case e.Body != nil:
		return e.Body.Name
	case e.Logical != nil:
		return e.Logical.Name
	case e.Ignore != nil:
		return e.Ignore.Name
	}
	return ""
}

// InFLevel reports whether an engine at functionality level level loads
// the entry: MinFL <= level <= MaxFL, where 0 means no bound. Logical
// signatures use their TDB Engine range. Entries without levels (ignore
// lists) are always in.
func (e Entry) InFLevel(level int) bool {
	var lo, hi int
	switch {
	case e.Hash != nil:
		lo, hi = e.Hash.MinFL, e.Hash.MaxFL
	case e.Body != nil:
		lo, hi = e.Body.MinFL, e.Body.MaxFL
	case e.Logical != nil:
		lo, hi = e.Logical.TDB.EngineMin, e.Logical.TDB.EngineMax
	}
	return (lo == 0 || level >= lo) && (hi == 0 || level <= hi)
}

// TypeName returns the signature type for counting, named like the file
// kind that holds it natively: whole-file hashes count as "hdb" (MD5) or
// "hsb" (SHA-1/SHA-256), section hashes as "mdb" or "msb", allow-list hashes
// as "fp" or "sfp", so an SHA-256 line in a .hdb file counts as "hsb". Other
// entries return their Kind: "ndb", "ldb", "ign", "ign2".
func (e Entry) TypeName() string {
	if h := e.Hash; h != nil {
		md5 := h.Type == MD5
		switch {
		case e.Allow && md5:
			return string(KindFP)
		case e.Allow:
			return string(KindSFP)
		case h.Section && md5:
			return string(KindMDB)
		case h.Section:
			return string(KindMSB)
		case md5:
			return string(KindHDB)
		}
		return string(KindHSB)
	}
	return string(e.Kind)
}
