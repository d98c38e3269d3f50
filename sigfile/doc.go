// Package sigfile holds ClamAV's signature file formats: which file kinds
// exist, and a parser from one text line of such a file to a typed value.
//
// Formats follow ClamAV's signature documentation (hash signatures, extended
// body signatures, logical signatures, allow and ignore lists). The parser is
// strict where a wrong reading would change a verdict and reports every
// problem as an error naming what is wrong; callers add the file and line.
//
// Nothing here matches data: the matcher package compiles these values.
package sigfile
