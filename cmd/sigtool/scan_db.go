package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/sigtool/sigtool/engine"
	"github.com/sigtool/sigtool/sigdb"
	"github.com/sigtool/sigtool/sigfile"
)

// The signatures of one `sigtool scan` come from the store, or with -d
// (clamscan's --database) from signature files and containers read for
// this run only. Either way they are an engine.Source.

// fileSource is signature files loaded for one run (clamscan -d): the
// feeds sigdb.LoadSources makes of them, without a store.
type fileSource struct {
	feeds []sigdb.FeedImport
	infos []sigdb.FeedInfo
}

func loadFileSource(paths []string) (*fileSource, []string, error) {
	feeds, notes, err := sigdb.LoadSources(paths, "")
	if err != nil {
		return nil, nil, err
	}
	s := &fileSource{feeds: feeds}
	for _, f := range feeds {
		info := sigdb.FeedInfo{FeedMeta: f.Meta}
		h := sha256.New()
		for _, file := range f.Files {
			rec := sigdb.FileRecord{Name: file.Name, Size: int64(len(file.Data))}
			if k, pua, ok := sigfile.KindOf(file.Name); ok {
				rec.Kind, rec.PUA = string(k), pua
			}
			info.Files = append(info.Files, rec)
			fmt.Fprintf(h, "%s\x00%d\x00", file.Name, len(file.Data))
			h.Write(file.Data)
		}
		info.Digest = hex.EncodeToString(h.Sum(nil))
		s.infos = append(s.infos, info)
	}
	return s, notes, nil
}

func (s *fileSource) Feeds() ([]sigdb.FeedInfo, error) { return s.infos, nil }

// ForEachLine gives every line of every signature file, as the store's
// ForEachLine does (line ends without '\r'; files that hold no signatures,
// such as a container's .info, left out).
func (s *fileSource) ForEachLine(ctx context.Context, fn func(sigdb.Line) error) error {
	for _, f := range s.feeds {
		for _, file := range f.Files {
			k, pua, ok := sigfile.KindOf(file.Name)
			if !ok {
				continue
			}
			l := sigdb.Line{Feed: f.Meta.Name, File: file.Name, Kind: k, PUA: pua}
			for rest := file.Data; len(rest) > 0; {
				if err := ctx.Err(); err != nil {
					return err
				}
				var text []byte
				if i := bytes.IndexByte(rest, '\n'); i >= 0 {
					text, rest = rest[:i], rest[i+1:]
				} else {
					text, rest = rest, nil
				}
				l.No++
				l.Text = bytes.TrimSuffix(text, []byte{'\r'})
				if err := fn(l); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// official reports whether ClamAV counts a feed's signatures as official:
// those from its signed containers (.cvd, .cld). Signatures from anything
// else get ".UNOFFICIAL" appended to their names in clamscan's output.
func official(f sigdb.FeedInfo) bool { return f.Format == "cvd" || f.Format == "cld" }

// officialSource is a store restricted to its official feeds
// (clamscan --official-db-only).
type officialSource struct{ db *sigdb.DB }

func (s officialSource) Feeds() ([]sigdb.FeedInfo, error) {
	feeds, err := s.db.Feeds()
	var out []sigdb.FeedInfo
	for _, f := range feeds {
		if official(f) {
			out = append(out, f)
		}
	}
	return out, err
}

func (s officialSource) ForEachLine(ctx context.Context, fn func(sigdb.Line) error) error {
	keep, err := s.names()
	if err != nil {
		return err
	}
	return s.db.ForEachLine(ctx, func(l sigdb.Line) error {
		if !keep[l.Feed] {
			return nil
		}
		return fn(l)
	})
}

func (s officialSource) ForEachChunk(ctx context.Context, fn func(sigdb.Chunk) error) error {
	keep, err := s.names()
	if err != nil {
		return err
	}
	return s.db.ForEachChunk(ctx, func(c sigdb.Chunk) error {
		if !keep[c.Feed] {
			return nil
		}
		return fn(c)
	})
}

func (s officialSource) names() (map[string]bool, error) {
	feeds, err := s.Feeds()
	m := map[string]bool{}
	for _, f := range feeds {
		m[f.Name] = true
	}
	return m, err
}

// fileSourceOfficial is fileSource's --official-db-only.
func (s *fileSource) officialOnly() *fileSource {
	out := &fileSource{}
	for i, info := range s.infos {
		if official(info) {
			out.feeds = append(out.feeds, s.feeds[i])
			out.infos = append(out.infos, info)
		}
	}
	return out
}

// unofficialNames returns which detection names clamscan would print with
// ".UNOFFICIAL": every name when no feed is official, none when all are,
// else the names the unofficial feeds define.
func unofficialNames(ctx context.Context, src engine.Source) (func(string) bool, error) {
	feeds, err := src.Feeds()
	if err != nil {
		return nil, err
	}
	unoff := map[string]bool{}
	for _, f := range feeds {
		if !official(f) {
			unoff[f.Name] = true
		}
	}
	switch {
	case len(unoff) == 0:
		return func(string) bool { return false }, nil
	case len(unoff) == len(feeds):
		return func(string) bool { return true }, nil
	}
	names := map[string]bool{}
	err = src.ForEachLine(ctx, func(l sigdb.Line) error {
		if !unoff[l.Feed] || l.Kind == sigfile.KindFP || l.Kind == sigfile.KindSFP ||
			l.Kind == sigfile.KindIGN || l.Kind == sigfile.KindIGN2 {
			return nil
		}
		if e, err := sigfile.ParseLine(l.Kind, string(l.Text)); err == nil {
			if n := e.Name(); n != "" {
				names[n] = true
			}
		}
		return nil
	})
	return func(n string) bool { return names[n] }, err
}

// dbVersion is what clamscan -V prints after the engine version: the
// daily database's version and build time, "/27500/Sun Dec  7 08:23:01
// 2026", or "" when there is no daily feed.
func dbVersion(feeds []sigdb.FeedInfo) string {
	for _, f := range feeds {
		if f.Name == "daily" && f.Version > 0 {
			return fmt.Sprintf("/%d/%s", f.Version, f.BuildTime.Local().Format("Mon Jan _2 15:04:05 2006"))
		}
	}
	return ""
}

// newestContainer is the build time of the newest feed that has one (a
// CVD, CLD or CUD), for --fail-if-cvd-older-than; zero when none has.
func newestContainer(feeds []sigdb.FeedInfo) time.Time {
	var t time.Time
	for _, f := range feeds {
		if f.BuildTime.After(t) {
			t = f.BuildTime
		}
	}
	return t
}
