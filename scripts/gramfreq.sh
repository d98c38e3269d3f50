#!/bin/sh
# gramfreq.sh regenerates matcher/gramfreq.bin and matcher/gramfreq.md:
# it gathers the training files of each class into $WORK (hard links or
# copies) and runs matcher/freqgen over them. The classes, and why none
# of them is a file the real-data benchmark scans:
#   pe   - libwine's x86_64 PE files that are not DLLs (.exe, .sys, .drv,
#          .ocx, ...); the benchmark scans the DLLs;
#   elf  - ELF files of /usr/sbin and /usr/libexec; the benchmark scans
#          /usr/bin and /usr/lib;
#   doc  - the PDF manuals of libtasn1-doc and shared-mime-info; the
#          benchmark's documents come from other packages;
#   text - /usr/share/common-licenses and text files of /usr/share/doc.
# Run from the repository root, as root on Debian (apt-get download).
set -eu
WORK=${WORK:-$(mktemp -d)}
mkdir -p "$WORK/pe" "$WORK/elf" "$WORK/doc" "$WORK/text" "$WORK/deb"
(cd "$WORK/deb" && apt-get download libwine >/dev/null && dpkg -x libwine_*.deb x)
for f in "$WORK"/deb/x/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/*; do
	case $f in *.dll) ;; *) cp "$f" "$WORK/pe/" ;; esac
done
find /usr/sbin /usr/libexec -type f -size +8k | sort | while read -r f; do
	if [ "$(head -c4 "$f" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		cp "$f" "$WORK/elf/$(echo "$f" | tr / _)"
	fi
done
cp /usr/share/doc/libtasn1-doc/libtasn1.pdf /usr/share/doc/shared-mime-info/shared-mime-info-spec.pdf "$WORK/doc/"
cp -r /usr/share/common-licenses "$WORK/text/"
find /usr/share/doc -type f \( -name '*.txt' -o -name 'README*' -o -name changelog \) | sort | head -400 |
	while read -r f; do cp "$f" "$WORK/text/$(echo "$f" | tr / _)"; done
go run ./matcher/freqgen -o matcher pe="$WORK/pe" elf="$WORK/elf" doc="$WORK/doc" text="$WORK/text"
